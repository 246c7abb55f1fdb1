"""The consumer's decision step: the model's score against its version's thresholds, then the
rules in force (``fraudcore.rules``) over the batch's served features, payments and the lists'
entries in force.

The scorer's verdict brings the score and the reason codes; the decision and the rules that
fired are decided here, so a rule change takes effect without touching the scorer. With the
baseline rules (R01-R04) every decision is the one ``fraudcore.decisions`` takes (a test proves
it). A decision never fails for a rule: a rule that raises is counted, logged and not fired, and
should the engine itself fail, the scorer's own decision stands (the embedded model's: its
thresholds alone; the remote scorer's: its rules in force).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from fraud_consumer.live_rules import LoadedRules, RuleSource
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.rule_hits import RuleHits
from fraudcore.model_card import Thresholds
from fraudcore.rules import Batch
from fraudcore.schemas import Decision, Transaction
from fraudcore.scoring import Verdict

log = logging.getLogger(__name__)
LEVELS = (Decision.APPROVE, Decision.REVIEW, Decision.BLOCK)
ENGINE = "*"  # the rule label of a failure of the whole engine
_LOG_EVERY_S = 60.0  # a failing rule is logged once a minute, counted every time


def model_levels(
    verdicts: Sequence[Verdict], thresholds: Thresholds | None
) -> npt.NDArray[np.int8]:
    """0 approve, 1 review, 2 block from the scores alone (NaN scores approve, as in
    ``fraudcore.decisions``); unknown thresholds: the scorer's decisions."""
    if thresholds is None or math.isnan(thresholds.review) or math.isnan(thresholds.block):
        return np.array([LEVELS.index(v.decision) for v in verdicts], dtype=np.int8)
    scores = np.array([v.score for v in verdicts], dtype=np.float32)
    return np.where(scores >= thresholds.block, 2, scores >= thresholds.review).astype(np.int8)


NO_HITS = RuleHits()  # shared by the payments no rule fired on (nothing mutates a RuleHits)
Explain = Callable[[npt.NDArray[np.float32]], list[list[str]] | None]


def _unchanged(verdict: Verdict, decision: Decision, fired: list[str]) -> bool:
    """Whether the verdict this step would build equals the scorer's own."""
    return (
        decision is verdict.decision
        and fired == verdict.rules
        and not verdict.rule_versions
        and (decision is not Decision.APPROVE or not verdict.reasons)
    )


class RuleDecider:
    def __init__(self, source: RuleSource, metrics: ConsumerMetrics) -> None:
        self.source, self.metrics = source, metrics
        self._logged: dict[str, float] = {}
        self._revision = -1

    def decide(
        self,
        verdicts: list[Verdict],
        thresholds: Thresholds | None,
        rows: npt.NDArray[np.float32],
        payments: Sequence[Transaction],
        explain: Explain | None = None,
    ) -> tuple[list[Verdict], list[RuleHits]]:
        """Each payment's decision and the rules that fired; ``explain`` gives the reason codes
        of rows a rule flagged although the model approved them (the scorer explained only its
        own alerts)."""
        loaded = self.source.current()  # one set for the whole batch
        self._observe_revision(loaded)
        if thresholds is None or math.isnan(thresholds.review):
            self._warn("thresholds", "thresholds unknown: the model's level is the scorer's")
        model = model_levels(verdicts, thresholds)
        try:
            lists = loaded.lists.snapshot(time.time())  # wall clock: expiries are operators' times
            decided = loaded.rules.decide(model, Batch.of_rows(rows, payments, lists))
        except Exception as error:  # the payment is decided whatever happens
            self._failed(ENGINE, f"{type(error).__name__}: {error}")
            return verdicts, [RuleHits() for _ in verdicts]
        for rule_id, failure in decided.errors:
            self._failed(rule_id, failure)
        active, shadow = loaded.rules.active_versions, loaded.rules.shadow_versions
        out, hits = [], []
        for verdict, level, fired, would in zip(
            verdicts, decided.levels.tolist(), decided.fired, decided.shadow, strict=True
        ):
            decision = LEVELS[level]
            if _unchanged(verdict, decision, fired):
                out.append(verdict)  # most payments: an approve no rule touched, kept as it came
            else:
                reasons = verdict.reasons if decision is not Decision.APPROVE else []
                out.append(Verdict(verdict.score, decision, reasons, fired))
            if not fired and not would:
                hits.append(NO_HITS)
                continue
            hits.append(RuleHits([active[r] for r in fired], would, [shadow[r] for r in would]))
            for rule_id in would:
                self.metrics.shadow_rules.labels(rule=rule_id).inc()
                if decision is Decision.APPROVE:  # an alert this shadow rule would add
                    self.metrics.shadow_new_alerts.labels(rule=rule_id).inc()
        if explain is not None:
            self._explain(verdicts, out, rows, explain)
        return out, hits

    def _explain(
        self,
        scored: list[Verdict],
        decided: list[Verdict],
        rows: npt.NDArray[np.float32],
        explain: Explain,
    ) -> None:
        """Reason codes, in place, for the alerts only a rule raised: every review and block
        says why, whichever decided it (as the scorer's endpoints do)."""
        unexplained = [
            i
            for i, (before, after) in enumerate(zip(scored, decided, strict=True))
            if after.decision is not Decision.APPROVE
            and before.decision is Decision.APPROVE
            and not after.reasons
        ]
        if not unexplained:
            return
        try:
            explained = explain(rows[unexplained])
        except Exception as error:  # the decision stands without its reason codes
            self._warn("explain", f"reason codes not computed: {type(error).__name__}: {error}")
            return
        for i, reasons in zip(unexplained, explained or [], strict=False):
            decided[i] = dataclasses.replace(decided[i], reasons=reasons)

    def _observe_revision(self, loaded: LoadedRules) -> None:
        self.metrics.lists_revision.set(max(0, loaded.lists_revision))
        if loaded.revision != self._revision:
            self._revision = loaded.revision
            self.metrics.rules_revision.set(loaded.revision)
            for rule in (*loaded.rules.active, *loaded.rules.shadow):
                self.metrics.rules.labels(rule=rule.id)  # exported at zero from the start
            for rule in loaded.rules.shadow:
                self.metrics.shadow_rules.labels(rule=rule.id)
                self.metrics.shadow_new_alerts.labels(rule=rule.id)

    def _failed(self, rule_id: str, error: str) -> None:
        self.metrics.rule_errors.labels(rule=rule_id).inc()
        self._warn(rule_id, f"rule {rule_id} failed and did not fire: {error}")

    def _warn(self, key: str, message: str) -> None:
        now = time.monotonic()
        if now - self._logged.get(key, -math.inf) >= _LOG_EVERY_S:
            self._logged[key] = now
            log.warning(message)
