"""Rules from the dashboard: ``GET /api/rules`` and ``/api/rules/{id}`` (signed in), and for a
lead (CSRF-checked): validate an expression, backtest a draft or a stored version over the
decision log, save a new version, change a version's status (shadow, activate, retire, draft).
A rule that does not compile is a 422 pointing at line and column; every change is audited."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi import Path as PathParam
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fraud_dashboard.auth.identity import RulesEditor, SignedIn
from fraud_dashboard.routes.decisions import LOG_DOWN
from fraud_dashboard.state import DashboardState, get_state
from fraudcore.decision_log.backtest_window import DEFAULT_DAYS, WindowError
from fraudcore.decision_log.rule_store import RuleStoreError
from fraudcore.rules import Action, RuleDefinition, RuleError, Status, compile_condition
from fraudcore.rules.parser import MAX_LENGTH
from fraudcore.rules.reads import reads

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/rules", tags=["rules"])
State = Annotated[DashboardState, Depends(get_state)]
RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"  # fraudcore.rules.definition's RuleId
RuleIdPath = Annotated[str, PathParam(pattern=RULE_ID)]
DRAFT_ID = "DRAFT"
MAX_WINDOW = dt.timedelta(days=92)  # a backtest holds its window's columns in memory
INVALID = {"description": "the expression does not compile: line, column and why"}
LEAD_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"description": "not signed in"},
    403: {"description": "not a lead, or the CSRF token missing or wrong"},
}
Expression = Annotated[str, Field(min_length=1, max_length=MAX_LENGTH)]


class ExpressionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expression: Expression


class RuleContent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expression: Expression
    action: Action
    reason: str = Field(min_length=1, max_length=200, description="why, in words")
    priority: int = Field(default=100, ge=0, le=1_000, description="higher first")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status


class BacktestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    expression: Expression | None = Field(default=None, description="a draft's text")
    action: Action = Action.REVIEW
    rule_id: str | None = Field(default=None, pattern=RULE_ID, description="whose live record")
    version: int | None = Field(default=None, ge=1, description="a stored version of rule_id")
    start: AwareDatetime | None = Field(default=None, alias="from", description="event time")
    end: AwareDatetime | None = Field(default=None, alias="to", description="excluded")
    days: int = Field(
        default=DEFAULT_DAYS, ge=1, le=MAX_WINDOW.days, description="without from and to: the "
        "days up to the newest decision",
    )  # fmt: skip


def refused(error: RuleError) -> HTTPException:
    """FastAPI's own shape for a bad field, with where in the expression and the caret."""
    return HTTPException(422, [{
        "loc": ["body", "expression"], "type": "rule_error",
        "msg": f"line {error.line}, column {error.column}: {error.message}",
        "line": error.line, "column": error.column, "pointed": str(error),
    }])  # fmt: skip


@router.get("", responses={401: LEAD_ONLY[401], 503: LOG_DOWN})
async def rules(who: SignedIn, state: State) -> dict[str, Any]:
    """Every rule with its versions, newest first, and which version acts and which shadows;
    ``baseline`` while the built-in R01-R04 hold (nothing written yet)."""
    return await state.rules.listing()


@router.get("/{rule_id}", responses={401: LEAD_ONLY[401], 404: {"description": "no such rule"}})
async def rule(rule_id: RuleIdPath, who: SignedIn, state: State) -> dict[str, Any]:
    """One rule's versions and its history: every change, newest first, who and when, the
    version before and after."""
    found = await state.rules.show(rule_id)
    if found is None:
        raise HTTPException(404, f"no rule {rule_id!r}")
    return found


@router.post("/validate", responses={422: INVALID, **LEAD_ONLY})
async def validate(body: ExpressionIn, who: SignedIn) -> dict[str, Any]:
    """``{"valid": true, "reads": {...}}`` for a rule that compiles (what it reads, by kind),
    else 422 with the line, the column and why."""
    try:
        compile_condition(body.expression)
    except RuleError as error:
        raise refused(error) from error
    found = reads(body.expression)
    return {"valid": True, "reads": {
        "features": sorted(found.features), "fields": sorted(found.fields),
        "lists": sorted(found.lists),
    }}  # fmt: skip


@router.post(
    "/backtest",
    responses={422: INVALID, 404: {"description": "no such stored version"}, 503: LOG_DOWN,
               **LEAD_ONLY},
)  # fmt: skip
async def backtest(body: BacktestIn, who: RulesEditor, state: State) -> dict[str, Any]:
    """A draft (``expression``) or a stored version (``rule_id`` and ``version``) over the
    decision log from ``from`` to ``to`` (or the ``days`` up to the newest decision): hits,
    precision, recall, fraud amount caught, cards and genuine cards hit, overlap with the
    model's alerts and the other active rules, what the rule id did live, the newest hits."""
    if (body.expression is None) == (body.version is None):
        raise HTTPException(422, "backtest an expression, or a rule_id with its version: one")
    if body.start is not None and body.end is not None and body.end - body.start > MAX_WINDOW:
        raise HTTPException(422, f"a backtest covers at most {MAX_WINDOW.days} days")
    if body.expression is not None:
        try:
            compile_condition(body.expression)
        except RuleError as error:
            raise refused(error) from error
        definition = RuleDefinition(
            id=body.rule_id or DRAFT_ID, version=1, expression=body.expression, action=body.action,
            reason="a draft, backtested", status=Status.DRAFT,
        )  # fmt: skip
    else:
        try:
            definition = await state.rules.stored(body.rule_id or "", body.version or 0)
        except RuleStoreError as error:
            raise HTTPException(404, str(error)) from error
    try:
        return await state.rules.backtest(definition, body.start, body.end)
    except WindowError as error:
        raise HTTPException(422, str(error)) from error


@router.post("/{rule_id}/versions", status_code=201, responses={422: INVALID, **LEAD_ONLY})
async def new_version(
    rule_id: RuleIdPath, body: RuleContent, who: RulesEditor, state: State
) -> dict[str, Any]:
    """A new version of ``rule_id`` (version 1 of a new rule), as a draft: nothing acts until
    it is shadowed or activated."""
    try:
        compile_condition(body.expression)
    except RuleError as error:
        raise refused(error) from error
    try:
        made = await state.rules.add_version(rule_id, body.model_dump(mode="json"), who)
    except RuleStoreError as error:
        raise HTTPException(409, str(error)) from error
    log.info("%s: %s", who.name, "; ".join(made["changes"]))
    return made


@router.post(
    "/{rule_id}/versions/{version}/status",
    responses={404: {"description": "no such version"}, 409: {"description": "refused"},
               **LEAD_ONLY},
)  # fmt: skip
async def change_status(
    rule_id: RuleIdPath,
    version: Annotated[int, PathParam(ge=1)],
    body: StatusIn,
    who: RulesEditor,
    state: State,
) -> dict[str, Any]:
    """One version to ``status``: shadow (would have fired, logged, changes nothing), active
    (acts; the version active before retires), retired, or back to draft. Consumers pick it up
    within seconds."""
    try:
        await state.rules.stored(rule_id, version)
    except RuleStoreError as error:
        raise HTTPException(404, str(error)) from error
    try:
        changed = await state.rules.set_status(rule_id, version, body.status, who)
    except RuleStoreError as error:
        raise HTTPException(409, str(error)) from error
    log.info("%s: %s", who.name, "; ".join(changed["changes"]) or "no change")
    return changed
