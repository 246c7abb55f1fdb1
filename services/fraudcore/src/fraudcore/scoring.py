"""Scores to verdicts: the model's probabilities, the decision, and why (shared by the scorer's
endpoints and the consumer's embedded mode, so both explain the same way).

``verdicts`` decides with the rules hard-coded in ``fraudcore.decisions`` (training, replay and
the model card's policy); ``decided_verdicts`` with a rule set as data and the lists in force,
as the scorer's endpoints do with the rules in force (``decision_log.rules_in_force``);
``model_verdicts`` with the model's thresholds alone, for the consumer's embedded model, whose
rules in force are applied after it (``fraud_consumer.rule_decisions``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from fraudcore.decisions import decide_batch
from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.model_card import Thresholds
from fraudcore.rules import Batch, RuleSet
from fraudcore.schemas import Decision, Transaction

Engine = Literal["onnx", "xgboost"]
LEVELS = (Decision.APPROVE, Decision.REVIEW, Decision.BLOCK)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    score: float
    decision: Decision
    reasons: list[str]
    rules: list[str]
    rule_versions: list[int] = field(default_factory=list)  # of ``rules``, in its order


def verdicts(
    model: ModelBundle,
    rows: npt.NDArray[np.float32],
    engine: Engine = "onnx",
    *,
    exact_reasons: bool = False,
) -> list[Verdict]:
    """One verdict per row; reason codes are computed only for review and block. ``engine``
    "xgboost" builds an XGBoost DMatrix per call: the original design, kept as a reference."""
    if len(rows) == 0:
        return []
    probabilities = model.predict(rows) if engine == "onnx" else model.predict_xgboost(rows)
    decided = decide_batch(probabilities, rows, model.card.thresholds)
    return _explained(model, rows, probabilities, decided, exact_reasons)


def model_verdicts(
    model: ModelBundle, rows: npt.NDArray[np.float32], *, exact_reasons: bool = False
) -> list[Verdict]:
    """The model alone: its thresholds decide, with reason codes for its reviews and blocks; for
    a caller that applies the rules itself (the consumer's rules in force), so they are not
    evaluated twice."""
    if len(rows) == 0:
        return []
    probabilities = model.predict(rows)
    levels = score_levels(probabilities, model.card.thresholds).tolist()
    decided: list[tuple[Decision, list[str]]] = [(LEVELS[level], []) for level in levels]
    return _explained(model, rows, probabilities, decided, exact_reasons)


def _explained(
    model: ModelBundle,
    rows: npt.NDArray[np.float32],
    probabilities: npt.NDArray[np.float32],
    decided: Sequence[tuple[Decision, list[str]]],
    exact_reasons: bool,
) -> list[Verdict]:
    """Verdicts of decided rows, reason codes for the reviews and blocks."""
    flagged = [i for i, (decision, _) in enumerate(decided) if decision is not Decision.APPROVE]
    reasons = _reason_codes(model, rows, flagged, exact_reasons)
    return [
        Verdict(score=score, decision=decision, reasons=reasons.get(i, []), rules=rules)
        for i, (score, (decision, rules)) in enumerate(
            zip(probabilities.tolist(), decided, strict=True)
        )
    ]


def score_levels(scores: npt.NDArray[np.float32], thresholds: Thresholds) -> npt.NDArray[np.int8]:
    """0 approve, 1 review, 2 block from the scores alone (a NaN score approves, as in
    ``fraudcore.decisions``)."""
    return np.where(scores >= thresholds.block, 2, scores >= thresholds.review).astype(np.int8)


def decided_verdicts(
    model: ModelBundle,
    rows: npt.NDArray[np.float32],
    rules: RuleSet,
    lists: Mapping[str, frozenset[str]],
    *,
    payments: Sequence[Transaction] | None = None,
    engine: Engine = "onnx",
    exact_reasons: bool = False,
) -> list[Verdict]:
    """One verdict per row, decided by the model's thresholds and ``rules`` over the rows, the
    payments' fields (none: rules on them read missing) and ``lists`` (entries in force). Reason
    codes for every review and block, whichever decided it. A rule never fails a decision: one
    that raises does not fire, and should the engine fail, the model alone decides."""
    if len(rows) == 0:
        return []
    probabilities = model.predict(rows) if engine == "onnx" else model.predict_xgboost(rows)
    model_levels = score_levels(probabilities, model.card.thresholds)
    try:
        decided = rules.decide(model_levels, Batch.of_rows(rows, payments, lists))
        levels, fired = decided.levels.tolist(), decided.fired
        for rule_id, error in decided.errors:
            log.warning("rule %s failed and did not fire: %s", rule_id, error)
    except Exception as error:  # the payment is decided whatever a rule does
        log.error("rules not applied, the model decides alone: %s: %s", type(error).__name__, error)
        levels, fired = model_levels.tolist(), [[] for _ in model_levels]
    flagged = [i for i, level in enumerate(levels) if level > 0]
    reasons = _reason_codes(model, rows, flagged, exact_reasons)
    versions = rules.active_versions
    return [
        Verdict(score, LEVELS[level], reasons.get(i, []), ids, [versions[r] for r in ids])
        for i, (score, level, ids) in enumerate(
            zip(probabilities.tolist(), levels, fired, strict=True)
        )
    ]


def _reason_codes(
    model: ModelBundle, rows: npt.NDArray[np.float32], flagged: list[int], exact: bool
) -> dict[int, list[str]]:
    """Row index -> reason codes, for the ``flagged`` rows only."""
    if not flagged:
        return {}
    return dict(zip(flagged, model.reasons(rows[flagged], exact=exact), strict=True))


def rows_from_lists(values: list[list[float | None]]) -> npt.NDArray[np.float32]:
    """JSON feature vectors (null = undefined) to the model's float32 matrix (NaN = undefined)."""
    return np.array(
        [[np.nan if value is None else value for value in row] for row in values], dtype=np.float32
    ).reshape(len(values), len(FEATURE_NAMES))


def lists_from_rows(rows: npt.NDArray[np.floating]) -> list[list[float | None]]:
    """The inverse: NaN becomes null, because JSON has no NaN."""
    return [[None if math.isnan(value) else value for value in row] for row in rows.tolist()]
