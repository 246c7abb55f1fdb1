"""A card's recent decisions from the log: the decision page's timeline and map."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.exceptions import RequestValidationError

from fraud_dashboard.routes.decisions import LOG_DOWN
from fraud_dashboard.state import DashboardState, get_state
from fraudcore.decision_log.card_history import MAX_HISTORY

router = APIRouter(prefix="/api", tags=["decision log"])
State = Annotated[DashboardState, Depends(get_state)]
CardId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


@router.get("/cards/{card_id}/decisions", responses={503: LOG_DOWN})
async def card_decisions(
    card_id: CardId,
    state: State,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 20,
    until: Annotated[dt.datetime | None, Query(description="event time, included")] = None,
) -> dict[str, Any]:
    """The card's decisions, newest first, up to ``limit``, at or before ``until`` when given:
    payment (amount in its own currency, merchant, place), decision, score, thresholds, rules
    and the label once it has arrived. An unknown card has none (an empty list, not 404)."""
    if until is not None and until.tzinfo is None:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "until"),
                    "msg": "must carry a time zone (e.g. 2026-03-02T00:00:00Z)",
                    "input": until.isoformat(),
                }
            ]
        )
    items = await state.decision_log.card(card_id, limit, until)
    return {"card_id": card_id, "items": items}
