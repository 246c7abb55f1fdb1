"""Search of the decision log by transaction, card or merchant id: ``GET /api/search``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError

from fraud_dashboard.routes.decisions import LOG_DOWN
from fraud_dashboard.state import DashboardState, get_state
from fraudcore.decision_log.search import MAX_PAGE, SearchError, SearchField, SearchKey

router = APIRouter(prefix="/api", tags=["decision log"])
State = Annotated[DashboardState, Depends(get_state)]


@router.get("/search", responses={503: LOG_DOWN})
async def find(
    *,
    state: State,
    q: Annotated[
        str,
        Query(
            pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
            description="a whole transaction, card or merchant id (1-64 of A-Z a-z 0-9 _ . : -)",
        ),
    ],
    field: Annotated[list[SearchField] | None, Query(description="default: all three")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    after: Annotated[str | None, Query(max_length=512, description="a page's `next`")] = None,
) -> dict[str, Any]:
    """Decisions whose transaction, card or merchant id is ``q``, newest first, each saying
    which id ``matched``; pass a page's ``next`` as ``after`` for the following page."""
    try:
        key = None if after is None else SearchKey.parse(after)
    except SearchError as error:
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", error.parameter), "msg": str(error),
              "input": after}]
        ) from error  # fmt: skip
    return await state.cases.search(q, field or list(SearchField), limit, key)
