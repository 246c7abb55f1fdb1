"""Picking the model a request asked for by name (``?model_version=``) among those loaded."""

from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException, Query, status

from fraud_scorer.served import ServedModels
from fraudcore.model import ModelBundle

ModelVersionQuery = Annotated[
    str | None,
    Query(
        description="score with this loaded version instead of the champion (its challenger "
        "then does not score); 404 names the versions loaded",
        max_length=64,
    ),
]


def requested(models: ServedModels, model_version: str) -> ModelBundle:
    model = models.model(model_version)
    if model is None:
        loaded = ", ".join(models.versions()) or "none"
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"model version {model_version!r} is not loaded here; loaded: {loaded}",
        )
    return model
