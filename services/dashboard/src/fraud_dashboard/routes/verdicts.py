"""Verdicts on a logged decision, and the case they make: ``POST
/api/decisions/{id}/verdicts`` (analysts, CSRF-checked) and ``GET /api/decisions/{id}/case``."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from fraud_dashboard.auth.identity import Analyst, MaybeSignedIn
from fraud_dashboard.cases import VerdictsNotConfiguredError
from fraud_dashboard.label_publisher import LabelNotSentError
from fraud_dashboard.queue_version import count_verdict
from fraud_dashboard.routes.decisions import LOG_DOWN
from fraud_dashboard.routes.live import TransactionId
from fraud_dashboard.state import DashboardState, get_state
from fraudcore.decision_log.cases import Verdict

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["cases"])
State = Annotated[DashboardState, Depends(get_state)]
MAX_COMMENT = 2_000
NOT_LOGGED = {"description": "no decision logged for this transaction"}


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    verdict: Verdict = Field(description="fraud and genuine send a label; escalate does not")
    comment: str = Field(max_length=MAX_COMMENT, description="why (may be empty)")


@router.post(
    "/decisions/{transaction_id}/verdicts",
    status_code=201,
    responses={
        401: {"description": "not signed in"},
        403: {"description": "not an analyst, or the CSRF token missing or wrong"},
        404: NOT_LOGGED,
        503: {"description": "decision log or Kafka unavailable or not configured"},
    },
)
async def give_verdict(
    transaction_id: TransactionId, body: VerdictIn, who: Analyst, state: State
) -> Any:
    """Records the verdict in the case's history and the audit trail; fraud and genuine also
    send a label (``source: analyst``) to ``transaction-labels``. All or nothing."""
    try:
        entry = await state.cases.give(transaction_id, who, body.verdict, body.comment)
    except (LabelNotSentError, VerdictsNotConfiguredError) as error:
        raise HTTPException(503, str(error)) from error
    if entry is None:
        raise HTTPException(404, f"no decision logged for transaction {transaction_id!r}")
    log.info("%s: verdict %s on %s", who.name, body.verdict.value, transaction_id)
    await count_verdict(state.redis, state.keys)  # open queues re-read now
    return entry


@router.get(
    "/decisions/{transaction_id}/case",
    responses={404: NOT_LOGGED, 503: LOG_DOWN},
)
async def case(transaction_id: TransactionId, who: MaybeSignedIn, state: State) -> Any:
    """The case: every verdict (who, when, what, comment), the labels (``counted``: the one that
    moved the figures; others disagreed with it, with ``source`` and ``analyst``), and
    ``contradicted``: a chargeback says otherwise than an analyst's verdict."""
    found = await state.cases.case(transaction_id, who)
    if found is None:
        raise HTTPException(404, f"no decision logged for transaction {transaction_id!r}")
    return found
