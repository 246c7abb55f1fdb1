"""Read-only JSON: figures, recent payments, alerts and one alert's details."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response

from fraud_dashboard.state import DashboardState, get_state
from fraudcore import live_streams
from fraudcore.live_streams import AlertSummary, MapPoint

router = APIRouter(prefix="/api", tags=["live"])
State = Annotated[DashboardState, Depends(get_state)]
TransactionId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


@router.get("/summary")
async def summary(state: State) -> dict[str, Any]:
    """Running totals, throughput, decision rates, latency percentiles, precision/recall."""
    return await state.tracker.summary()


@router.get("/recent")
async def recent(
    state: State, limit: Annotated[int, Query(ge=1, le=1_000)] = 100
) -> list[MapPoint]:
    """The latest scored payments, newest first."""
    entries = await state.redis.xrevrange(state.keys.recent, count=limit)
    return [live_streams.map_point(fields) for _, fields in entries]


@router.get("/alerts")
async def alerts(
    state: State, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[AlertSummary]:
    """The latest review and block decisions, newest first."""
    entries = await state.redis.xrevrange(state.keys.alerts, count=limit)
    return [live_streams.alert_summary(live_streams.alert_record(fields)) for _, fields in entries]


@router.get("/alerts/{transaction_id}", responses={404: {"description": "not a recent alert"}})
async def alert(transaction_id: TransactionId, state: State) -> Response:
    """Everything about one alert: features, reasons, rules, model version, timings."""
    raw = state.hub.alerts.get(transaction_id)
    if raw is None:
        depth = state.hub.alert_memory
        for _, fields in await state.redis.xrevrange(state.keys.alerts, count=depth):
            if live_streams.alert_id(live_streams.alert_record(fields)) == transaction_id:
                raw = live_streams.entry_data(fields)
                break
    if raw is None:
        raise HTTPException(404, f"no recent alert for transaction {transaction_id!r}")
    return Response(raw, media_type="application/json")
