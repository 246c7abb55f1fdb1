"""Scoring endpoints: one transaction, or a batch of feature vectors or transactions (JSON), or
of feature rows packed as float32 (``fraudcore.feature_rows``: what the stream processor sends)."""

from __future__ import annotations

import functools
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool

from fraud_scorer.api_models import (
    BatchRequest,
    BatchResponse,
    Score,
    ScoreResponse,
    ShadowScores,
)
from fraud_scorer.features import features_for
from fraud_scorer.routes.versions import ModelVersionQuery, requested
from fraud_scorer.served import Serving
from fraud_scorer.state import ScorerState, get_state
from fraudcore.decision_log.rules_in_force import LoadedRules
from fraudcore.feature_rows import (
    FEATURE_SET_HEADER,
    MEDIA_TYPE,
    FeatureRowsError,
    feature_set,
    unpack_rows,
)
from fraudcore.features import FEATURE_NAMES
from fraudcore.schemas import Transaction
from fraudcore.scoring import Engine, Verdict, lists_from_rows, rows_from_lists

INLINE_ROWS = 64
router = APIRouter(prefix="/v1/score", tags=["scoring"])
State = Annotated[ScorerState, Depends(get_state)]
EngineQuery = Annotated[
    Engine, Query(description="onnx (default) or xgboost: a DMatrix per call, for comparison")
]


def _score(verdict: Verdict) -> Score:
    return Score(
        score=verdict.score,
        decision=verdict.decision,
        reasons=verdict.reasons,
        rules=verdict.rules,
        rule_versions=verdict.rule_versions,
    )


NOT_LOADED: dict[int | str, dict[str, Any]] = {
    404: {"description": "the model version asked for is not loaded"}
}


def _pick(state: ScorerState, model_version: str | None) -> Serving:
    """The model that decides and the challenger in shadow, taken once per request whatever
    switches meanwhile; a version asked for by name decides alone."""
    serving = state.models.serving()
    if model_version is None:
        return serving
    return Serving(requested(state.models, model_version), None, serving.registry_event)


@router.post("", response_model=ScoreResponse, responses=NOT_LOADED)
def score(
    transaction: Transaction, state: State, model_version: ModelVersionQuery = None
) -> ScoreResponse:
    """Score one payment against the card's and merchant's current history (read only),
    decided by the model and the rules and lists in force, as the consumers decide."""
    began = time.perf_counter()
    rules = state.rules.current()  # before the model: 503 while the rules were never read
    model = _pick(state, model_version).champion
    rows = features_for(state.store, [transaction])
    (verdict,) = state.infer(model, rows, rules, payments=[transaction], role=_role(model_version))
    (values,) = lists_from_rows(rows)
    return ScoreResponse(
        transaction_id=transaction.transaction_id,
        model_version=model.version,
        features=dict(zip(FEATURE_NAMES, values, strict=True)),
        timing_ms=(time.perf_counter() - began) * 1000,
        **_revisions(rules),
        **_score(verdict).model_dump(),
    )


def _revisions(rules: LoadedRules) -> dict[str, int]:
    return {"rules_revision": rules.revision, "lists_revision": max(0, rules.lists_revision)}


def _role(model_version: str | None) -> str:
    return "champion" if model_version is None else "requested"


@router.post("/batch", response_model=BatchResponse, responses=NOT_LOADED)
async def score_batch(
    body: BatchRequest,
    state: State,
    engine: EngineQuery = "onnx",
    model_version: ModelVersionQuery = None,
) -> BatchResponse:
    """Score up to SCORER_MAX_BATCH_ROWS feature vectors (null = undefined) or transactions
    with the champion and, when the registry has one, the challenger in shadow (or with the
    loaded version asked for by name)."""
    began = time.perf_counter()
    if (body.rows is None) == (body.transactions is None):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "send exactly one of 'rows' or 'transactions'"
        )
    _within_limit(state, len(body.rows) if body.rows is not None else len(body.transactions or []))
    rules = state.rules.current()
    serving = _pick(state, model_version)
    if body.rows is not None:
        rows = rows_from_lists(body.rows)
    else:  # Redis reads: off the event loop
        rows = await run_in_threadpool(features_for, state.store, body.transactions or [])
    return await _answer(state, serving, rows, rules, body.transactions, engine, model_version,
                         began)  # fmt: skip


ROWS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "feature rows: float32 little-endian, row after row in the model's "
        f"feature order (NaN = undefined), named by the {FEATURE_SET_HEADER} header",
        "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
ROWS_ERRORS: dict[int | str, dict[str, Any]] = NOT_LOADED | {
    409: {"description": f"the rows' {FEATURE_SET_HEADER} is not the model's feature order"},
    413: {"description": "more rows than SCORER_MAX_BATCH_ROWS"},
    415: {"description": f"a body that is not {MEDIA_TYPE}"},
    422: {"description": "a body that is not whole rows of finite or NaN float32 values"},
}


@router.post("/rows", response_model=BatchResponse, responses=ROWS_ERRORS, openapi_extra=ROWS_BODY)
async def score_rows(
    request: Request,
    state: State,
    feature_set_header: Annotated[
        str,
        Header(
            alias=FEATURE_SET_HEADER,
            description="fraudcore.feature_rows.feature_set of the rows' feature names",
            examples=[feature_set(FEATURE_NAMES)],
        ),
    ],
    engine: EngineQuery = "onnx",
    model_version: ModelVersionQuery = None,
) -> BatchResponse:
    """The batch endpoint's feature vectors, packed: what the stream processor sends. Answers
    as ``/batch`` does."""
    began = time.perf_counter()
    media_type = request.headers.get("content-type", "").partition(";")[0].strip()
    if media_type != MEDIA_TYPE:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, f"send {MEDIA_TYPE}, not {media_type!r}"
        )
    rules = state.rules.current()
    serving = _pick(state, model_version)
    names = serving.champion.card.feature_names
    if feature_set_header != feature_set(names):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the rows' feature set {feature_set_header!r} is not model "
            f"{serving.champion.version}'s ({feature_set(names)!r}): another feature order",
        )
    try:  # the body's size is bounded before this by SCORER_MAX_BODY_BYTES (guards.BodySizeLimit)
        rows = unpack_rows(await request.body(), names)
    except FeatureRowsError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    _within_limit(state, len(rows))
    return await _answer(state, serving, rows, rules, None, engine, model_version, began)


def _within_limit(state: ScorerState, count: int) -> None:
    limit = state.settings.scorer_max_batch_rows
    if count > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{count} rows exceed the batch limit of {limit}",
        )


async def _answer(  # noqa: PLR0917 (one request's scoring inputs)
    state: ScorerState,
    serving: Serving,
    rows: Any,
    rules: LoadedRules,
    payments: list[Transaction] | None,
    engine: Engine,
    model_version: str | None,
    began: float,
) -> BatchResponse:
    count = len(rows)
    state.metrics.batch_rows.observe(count)
    # A small batch scores in well under a millisecond, less than a hand-off to a worker thread.
    role = _role(model_version)
    both = functools.partial(
        _both, state, serving, rows, rules, payments=payments, engine=engine, role=role
    )
    decided, shadow = both() if count <= INLINE_ROWS else await run_in_threadpool(both)
    return BatchResponse(
        model_version=serving.champion.version,
        results=[_score(verdict) for verdict in decided],
        challenger=shadow,
        registry_event=serving.registry_event,
        timing_ms=(time.perf_counter() - began) * 1000,
        **_revisions(rules),
    )


def _both(
    state: ScorerState,
    serving: Serving,
    rows: Any,
    rules: LoadedRules,
    *,
    payments: list[Transaction] | None,
    engine: Engine,
    role: str,
) -> tuple[list[Verdict], ShadowScores | None]:
    """The deciding model's verdicts, and the challenger's on the same rows when there is one,
    both with the same rules (feature vectors alone: rules on the payment's fields and lists
    read missing, and the consumer decides those with the payments)."""
    decided = state.infer(
        serving.champion, rows, rules, payments=payments, engine=engine, role=role
    )
    challenger = serving.challenger
    if challenger is None:
        return decided, None
    shadow = state.infer(
        challenger, rows, rules, payments=payments, engine=engine, role="challenger"
    )
    return decided, ShadowScores(
        model_version=challenger.version, results=[_score(v) for v in shadow]
    )
