"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fraud_scorer.routes.model import serving_status
from fraud_scorer.state import ScorerState, get_state

router = APIRouter(tags=["operations"])
State = Annotated[ScorerState, Depends(get_state)]


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(state: State) -> JSONResponse:
    """A model is loaded and Redis answers; which versions serve and are loaded."""
    problems = []
    body: dict[str, object] = {}
    if state.models.loaded:
        body["models"] = serving_status(state).model_dump()
    else:
        problems.append("model not loaded")
    try:
        state.redis.ping()
    except Exception as error:
        problems.append(f"redis unreachable: {type(error).__name__}")
    body = {"status": "not ready" if problems else "ready", "problems": problems, **body}
    return JSONResponse(body, status_code=503 if problems else 200)


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics(state: State) -> Response:
    if state.models.loaded:
        state.export_serving()
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
