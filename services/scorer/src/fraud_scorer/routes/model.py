"""The model in use, and reloading it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from fraud_scorer.api_models import ModelInfo
from fraud_scorer.state import ScorerState, get_state
from fraudcore.drift import DriftReference
from fraudcore.model import ModelMismatchError

router = APIRouter(prefix="/v1/model", tags=["model"])
admin_router = APIRouter(prefix="/v1/model", tags=["model"])  # writes: mounted behind the API key
State = Annotated[ScorerState, Depends(get_state)]


def _info(state: ScorerState) -> ModelInfo:
    card = state.holder.current.card
    return ModelInfo(
        model_version=card.model_version,
        created_at=card.created_at.isoformat(),
        feature_names=card.feature_names,
        thresholds=card.thresholds,
        expected_alert_rate=card.expected_alert_rate,
        metrics=card.metrics,
        drift_reference=DriftReference.from_card(card.model_extra),
    )


@router.get("", response_model=ModelInfo)
def model_info(state: State) -> ModelInfo:
    """Version, thresholds, feature names and evaluation metrics of the model in use."""
    return _info(state)


@admin_router.post("/reload", response_model=ModelInfo, responses={409: {"description": "refused"}})
def reload(state: State) -> ModelInfo:
    """Load MODEL_DIR again and swap atomically; a mismatching model is refused with 409 and
    the previous one stays in use."""
    try:
        state.holder.reload()
    except (ModelMismatchError, ValueError, OSError) as error:
        state.record_reload(False)
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"model refused, previous model kept: {error}"
        ) from error
    state.record_reload(True)
    return _info(state)
