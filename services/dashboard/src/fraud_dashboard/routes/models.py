"""Models from the dashboard, for anyone signed in: ``GET /api/models`` (the registry's versions
with status, and the history of promotions and rollbacks) and ``GET /api/models/comparison``
(champion against challenger over a window of the decision log: alert rates, agreement, and
precision, recall and average precision at the review budget with 95% intervals, as labels
arrive). Changing what serves stays with ``fraud-models``, which records who and why."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import AwareDatetime

from fraud_dashboard.auth.identity import SignedIn
from fraud_dashboard.model_desk import UnknownModelError, Window
from fraud_dashboard.routes.decisions import LOG_DOWN
from fraud_dashboard.state import DashboardState, get_state
from fraudcore.decision_log.backtest_window import DEFAULT_DAYS
from fraudcore.model_card import ModelCard

router = APIRouter(prefix="/api/models", tags=["models"])
State = Annotated[DashboardState, Depends(get_state)]
MAX_WINDOW = dt.timedelta(days=92)  # the same bound as a rules backtest's
SIGN_IN: dict[int | str, dict[str, Any]] = {401: {"description": "not signed in"}, 503: LOG_DOWN}
# A version's name as the model card allows it: anything else cannot be in the registry.
_NAME = ModelCard.model_json_schema()["properties"]["model_version"]
Version = Annotated[
    str | None,
    Query(pattern=_NAME["pattern"], min_length=_NAME["minLength"], max_length=_NAME["maxLength"],
          description="only pairs with this version"),
]  # fmt: skip


@router.get("", responses=SIGN_IN)
async def models(who: SignedIn, state: State) -> dict[str, Any]:
    """The champion and challenger names, every version (newest registration first) with its
    status, and the newest status changes first: who, when, from what to what, and why."""
    return await state.models.overview()


def window_of(start: dt.datetime | None, end: dt.datetime | None) -> Window | None:
    """The window asked for, or None (the default days); a 422 saying what is wrong."""
    if (start is None) != (end is None):
        raise HTTPException(422, "give both from and to (event time, UTC), or neither")
    if start is None or end is None:
        return None
    if end <= start:
        raise HTTPException(422, f"from ({start.isoformat()}) must be before to "
                                 f"({end.isoformat()})")  # fmt: skip
    if end - start > MAX_WINDOW:
        raise HTTPException(422, f"a comparison covers at most {MAX_WINDOW.days} days, "
                                 f"not {(end - start).days}")  # fmt: skip
    return Window(start.astimezone(dt.UTC), end.astimezone(dt.UTC))


@router.get(
    "/comparison",
    responses={**SIGN_IN, 404: {"description": "a version not in the registry"},
               422: {"description": "a window or version that cannot be read as asked"}},
)  # fmt: skip
async def comparison(
    who: SignedIn,
    state: State,
    *,
    start: Annotated[AwareDatetime | None, Query(alias="from", description="event time")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="excluded")] = None,
    days: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_WINDOW.days,
            description="without from and to: the whole UTC days up to the newest decision",
        ),
    ] = DEFAULT_DAYS,
    champion: Version = None,
    challenger: Version = None,
) -> dict[str, Any]:
    """Each champion/challenger pair on the payments both scored in the window: payments,
    review budget (the champion's alerts), agreement, labelled and pending counts, and per
    model the alert rate and precision, recall and average precision at the budget, each with
    its 95% interval (``value`` null until labels arrive)."""
    window = window_of(start, end)
    try:
        return await state.models.compare(window, days, champion, challenger)
    except UnknownModelError as error:
        raise HTTPException(404, str(error)) from error
