"""Scoring endpoints: one transaction, or a batch of feature vectors or transactions."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool

from fraud_scorer.api_models import BatchRequest, BatchResponse, Score, ScoreResponse
from fraud_scorer.features import features_for
from fraud_scorer.state import ScorerState, get_state
from fraudcore.features import FEATURE_NAMES
from fraudcore.schemas import Transaction
from fraudcore.scoring import Engine, Verdict, lists_from_rows, rows_from_lists

INLINE_ROWS = 64
router = APIRouter(prefix="/v1/score", tags=["scoring"])
State = Annotated[ScorerState, Depends(get_state)]


def _score(verdict: Verdict) -> Score:
    return Score(
        score=verdict.score, decision=verdict.decision, reasons=verdict.reasons, rules=verdict.rules
    )


@router.post("", response_model=ScoreResponse)
def score(transaction: Transaction, state: State) -> ScoreResponse:
    """Score one payment against the card's and merchant's current history (read only)."""
    began = time.perf_counter()
    model = state.holder.current
    rows = features_for(state.store, [transaction])
    (verdict,) = state.infer(rows)
    (values,) = lists_from_rows(rows)
    return ScoreResponse(
        transaction_id=transaction.transaction_id,
        model_version=model.version,
        features=dict(zip(FEATURE_NAMES, values, strict=True)),
        timing_ms=(time.perf_counter() - began) * 1000,
        **_score(verdict).model_dump(),
    )


@router.post("/batch", response_model=BatchResponse)
async def score_batch(
    body: BatchRequest,
    state: State,
    engine: Annotated[
        Engine, Query(description="onnx (default) or xgboost: a DMatrix per call, for comparison")
    ] = "onnx",
) -> BatchResponse:
    """Score up to SCORER_MAX_BATCH_ROWS feature vectors (null = undefined) or transactions."""
    began = time.perf_counter()
    if (body.rows is None) == (body.transactions is None):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "send exactly one of 'rows' or 'transactions'"
        )
    count = len(body.rows) if body.rows is not None else len(body.transactions or [])
    limit = state.settings.scorer_max_batch_rows
    if count > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{count} rows exceed the batch limit of {limit}",
        )
    model = state.holder.current
    if body.rows is not None:
        rows = rows_from_lists(body.rows)
    else:  # Redis reads: off the event loop
        rows = await run_in_threadpool(features_for, state.store, body.transactions or [])
    state.metrics.batch_rows.observe(count)
    # A small batch scores in well under a millisecond, less than a hand-off to a worker thread.
    if count <= INLINE_ROWS:
        verdicts = state.infer(rows, engine)
    else:
        verdicts = await run_in_threadpool(state.infer, rows, engine)
    return BatchResponse(
        model_version=model.version,
        results=[_score(verdict) for verdict in verdicts],
        timing_ms=(time.perf_counter() - began) * 1000,
    )
