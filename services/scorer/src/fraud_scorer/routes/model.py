"""The models in use, and reloading a model directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from fraud_scorer.api_models import ModelInfo, ServingStatus
from fraud_scorer.routes.versions import ModelVersionQuery, requested
from fraud_scorer.state import ScorerState, get_state
from fraudcore.drift import DriftReference
from fraudcore.model import ModelBundle, ModelMismatchError

router = APIRouter(prefix="/v1/model", tags=["model"])
admin_router = APIRouter(prefix="/v1/model", tags=["model"])  # writes: mounted behind the API key
State = Annotated[ScorerState, Depends(get_state)]


def _info(model: ModelBundle) -> ModelInfo:
    card = model.card
    return ModelInfo(
        model_version=card.model_version,
        created_at=card.created_at.isoformat(),
        feature_names=card.feature_names,
        thresholds=card.thresholds,
        expected_alert_rate=card.expected_alert_rate,
        metrics=card.metrics,
        drift_reference=DriftReference.from_card(card.model_extra),
    )


def serving_status(state: ScorerState) -> ServingStatus:
    serving = state.models.serving()
    challenger = serving.challenger
    return ServingStatus(
        champion=serving.champion.version,
        challenger=None if challenger is None else challenger.version,
        loaded=state.models.versions(),
        registry_event=serving.registry_event,
    )


@router.get("", response_model=ModelInfo, responses={404: {"description": "not loaded"}})
def model_info(state: State, model_version: ModelVersionQuery = None) -> ModelInfo:
    """Version, thresholds, feature names, evaluation metrics and drift reference of the
    champion (or of the loaded version asked for)."""
    if model_version is None:
        return _info(state.models.serving().champion)
    return _info(requested(state.models, model_version))


@router.get("/serving", response_model=ServingStatus)
def serving(state: State) -> ServingStatus:
    """The champion, the challenger, and every version loaded."""
    return serving_status(state)


@admin_router.post("/reload", response_model=ModelInfo, responses={409: {"description": "refused"}})
def reload(state: State) -> ModelInfo:
    """Load MODEL_DIR again and swap atomically; a mismatching model is refused with 409 and
    the previous one stays in use. With the registry, promote or roll back instead."""
    holder = state.models.holder
    if holder is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "models come from the model registry: change them with fraud-models promote or "
            "rollback, which every scorer follows",
        )
    try:
        model = holder.reload()
    except (ModelMismatchError, ValueError, OSError) as error:
        state.record_reload(False)
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"model refused, previous model kept: {error}"
        ) from error
    state.record_reload(True)
    return _info(model)
