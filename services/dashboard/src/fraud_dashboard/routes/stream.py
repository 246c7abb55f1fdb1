"""The live event stream (Server-Sent Events)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException
from fastapi.responses import StreamingResponse

from fraud_dashboard.state import DashboardState, get_state
from fraud_dashboard.streaming import events

router = APIRouter(prefix="/api", tags=["live"])
State = Annotated[DashboardState, Depends(get_state)]


@router.get("/stream", responses={503: {"description": "too many viewers"}})
async def stream(
    state: State, last_event_id: Annotated[str | None, Header()] = None
) -> StreamingResponse:
    """Batches of map points and alerts, plus the figures each second; a reconnecting browser
    sends Last-Event-ID and resumes right after it."""
    hub = state.hub
    if len(hub.clients) >= state.settings.dashboard_max_clients:
        raise HTTPException(503, "too many live viewers; try again later")
    queue = hub.subscribe()
    state.metrics.clients.set(len(hub.clients))

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in events(state, queue, last_event_id):
                yield chunk
        finally:
            hub.unsubscribe(queue)
            state.metrics.clients.set(len(hub.clients))

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
