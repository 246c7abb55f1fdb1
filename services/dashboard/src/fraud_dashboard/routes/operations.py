"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from fraud_dashboard.state import DashboardState, get_state

router = APIRouter(tags=["operations"])
State = Annotated[DashboardState, Depends(get_state)]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(state: State) -> JSONResponse:
    """Redis answers."""
    try:
        await state.redis.ping()
    except RedisError as error:
        problem = f"redis: {type(error).__name__}"
        return JSONResponse({"status": "not ready", "problems": [problem]}, status_code=503)
    return JSONResponse({"status": "ready", "problems": []})


@router.get("/metrics", include_in_schema=False)
async def prometheus(state: State) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
