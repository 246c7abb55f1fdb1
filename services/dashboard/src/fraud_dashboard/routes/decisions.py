"""The decision log through the dashboard: one logged decision, and the live quality figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from fraud_dashboard.auth.identity import MaybeSignedIn
from fraud_dashboard.decision_log import LogNotConfiguredError
from fraud_dashboard.routes.live import TransactionId
from fraud_dashboard.state import DashboardState, get_state

router = APIRouter(prefix="/api", tags=["decision log"])
State = Annotated[DashboardState, Depends(get_state)]
LOG_DOWN = {"description": "the decision log is not configured (DATABASE_URL) or unavailable"}


@router.get(
    "/decisions/{transaction_id}",
    responses={404: {"description": "no decision logged for this id"}, 503: LOG_DOWN},
)
async def decision(transaction_id: TransactionId, state: State, who: MaybeSignedIn) -> Any:
    """The logged decision: features as served (by name; null where undefined), score, model
    version, thresholds in force, rules, reasons, decision, timings, source partition and
    offset, and the label once it has arrived. A list in the rare case of an id logged at two
    event times. A signed-in reader's look-up is audited."""
    logged = await state.decision_log.decisions(transaction_id)
    if not logged:
        raise HTTPException(404, f"no decision logged for transaction {transaction_id!r}")
    if who is not None:
        await state.cases.audit_read(transaction_id, who)
    return logged[0] if len(logged) == 1 else logged


@router.get("/quality", responses={503: LOG_DOWN})
async def quality(state: State) -> dict[str, Any]:
    """Precision, recall and alert rate at the review threshold per day of decision and model
    version, from the log as last read (``refreshed_at``; ``problem`` when the latest read
    failed). Labels still to come are unknown: ``label_coverage`` says how many have arrived."""
    monitor = state.quality
    if monitor.source.settings is None:
        raise LogNotConfiguredError
    return monitor.as_json() | {"problem": monitor.problem}
