"""The review queue: decisions waiting for an analyst, from the decision log, filtered and paged."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError

from fraud_dashboard.queue_version import queue_version
from fraud_dashboard.routes.decisions import LOG_DOWN
from fraud_dashboard.state import DashboardState, get_state
from fraudcore.decision_log.queue import MAX_PAGE, QueueError, QueueFilter, QueueKey, QueueOrder
from fraudcore.schemas import Decision

router = APIRouter(prefix="/api", tags=["decision log"])
State = Annotated[DashboardState, Depends(get_state)]


def queued(state: DashboardState) -> tuple[Decision, ...]:
    """The decisions policy sends to a human: reviews, and blocks when they need confirming."""
    if state.settings.dashboard_queue_blocks:
        return (Decision.REVIEW, Decision.BLOCK)
    return (Decision.REVIEW,)


def _invalid(error: QueueError) -> RequestValidationError:
    """FastAPI's own 422 shape, so a client reads every bad parameter the same way."""
    return RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ("query", error.parameter),
                "msg": str(error),
                "input": None,
            }
        ]
    )


@router.get("/queue", responses={503: LOG_DOWN})
async def queue(
    *,
    state: State,
    order: QueueOrder = QueueOrder.OLDEST,
    decision: Annotated[list[Decision] | None, Query(description="default: all queued")] = None,
    amount_min: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
    amount_max: Annotated[float | None, Query(ge=0, allow_inf_nan=False)] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    model_version: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.:+-]{1,128}$")] = None,
    since: Annotated[dt.datetime | None, Query(description="event time, included")] = None,
    until: Annotated[dt.datetime | None, Query(description="event time, excluded")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    after: Annotated[str | None, Query(max_length=512, description="a page's `next`")] = None,
) -> dict[str, Any]:
    """Decisions waiting for an analyst (no label yet), oldest or riskiest first, one page at a
    time: pass a page's ``next`` as ``after`` for the following page (``null`` on the last).
    Amounts are in each payment's own currency."""
    policy = queued(state)
    filters = QueueFilter(
        frozenset(decision or policy), amount_min, amount_max, country, model_version, since, until
    )
    try:
        filters.check(policy)
        key = None if after is None else QueueKey.parse(after, order)
    except QueueError as error:
        raise _invalid(error) from error
    page = await state.decision_log.queue(filters, order, limit, key)
    return {"order": order.value, "decisions": sorted(filters.decisions)} | page.as_json()


@router.get("/queue/version")
async def version(state: State) -> dict[str, str]:
    """A value that changes whenever the queue may have changed (a verdict, a new alert, a label
    applied): poll it cheaply (a few Redis reads) and re-read ``/api/queue`` when it moves."""
    return {"version": await queue_version(state.redis, state.keys)}
