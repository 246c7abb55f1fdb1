"""The consumer's decision step: with the baseline rules (R01-R04 as data) every payment is
decided exactly as ``fraudcore.decisions`` decides it (decision, rules, reason codes), over a
simulated world scored by the committed model and over rows at every rule's edges; live rules
change decisions, shadow rules change none, lists in force are read (and expire on the clock),
and a failing rule is counted, never raised."""

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from fraud_consumer.live_rules import BuiltinRules, LoadedRules
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.rule_decisions import RuleDecider, model_levels
from fraud_consumer.scorers import EmbeddedScorer
from fraud_rules.bench import world
from fraudcore.decisions import decide_batch
from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.model_card import Thresholds
from fraudcore.rules import Action, CompiledRule, RuleDefinition, RuleSet, Status, compile_rule
from fraudcore.rules.lists import Lists
from fraudcore.schemas import Decision
from fraudcore.scoring import Verdict, verdicts

COMMITTED_MODEL_DIR = Path(__file__).resolve().parents[2] / "training" / "artifacts"
AMOUNT = FEATURE_NAMES.index("amount")


class Fixed:
    def __init__(self, rules: RuleSet, revision: int = 7, **lists: Any) -> None:
        self.loaded = LoadedRules(rules, revision, **lists)

    def current(self) -> LoadedRules:
        return self.loaded

    def close(self) -> None:
        return None


def decider(source=None) -> tuple[RuleDecider, ConsumerMetrics]:
    metrics = ConsumerMetrics(CollectorRegistry())
    return RuleDecider(source or BuiltinRules(), metrics), metrics


def rule(rule_id, expression, action=Action.REVIEW, status=Status.ACTIVE, version=1):
    return RuleDefinition(id=rule_id, version=version, expression=expression, action=action,
                          reason="test", status=status)  # fmt: skip


def test_a_simulated_world_is_decided_as_before_payment_for_payment() -> None:
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    data = world(days=4, customers=1_200, seed=5)
    step, _ = decider()
    before, after, batch = [], [], 64
    for at in range(0, len(data.rows), batch):
        rows = data.rows[at : at + batch]
        scored = verdicts(model, rows)  # the scorer's: fraudcore.decisions with reasons
        decided, hits = step.decide(
            scored, model.card.thresholds, rows, data.payments[at : at + batch]
        )
        before += scored
        after += decided
        assert all(h.versions == [1] * len(v.rules) for h, v in zip(hits, decided, strict=True))
    assert len(after) == len(data.rows) > 10_000
    assert after == before
    fired = {r for v in before for r in v.rules}
    assert {"R01-IMPOSSIBLE-TRAVEL", "R02-CARD-TESTING", "R03-NEW-DEVICE-HIGH-AMOUNT"} <= fired
    assert {v.decision for v in before} == set(Decision)


def test_the_embedded_models_own_verdicts_under_the_baseline_rules_are_the_policys() -> None:
    """The embedded scorer leaves the rules to this step: its model-only verdicts, decided
    here with R01-R04 and explained where a rule alone raised an alert, are ``verdicts``'."""
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    data = world(days=4, customers=1_200, seed=5)
    step, _ = decider()
    scorer = EmbeddedScorer(model)

    def explain(flagged: np.ndarray) -> list[list[str]] | None:
        return scorer.explain(flagged, model.version)

    raised_by_rules = 0
    for at in range(0, len(data.rows), 64):
        rows = data.rows[at : at + 64]
        own, version = scorer.score(rows)
        assert version == model.version
        assert all(not v.rules for v in own)
        decided, _ = step.decide(
            own, model.card.thresholds, rows, data.payments[at : at + 64], explain
        )
        assert decided == verdicts(model, rows)
        raised_by_rules += sum(
            o.decision is Decision.APPROVE and d.decision is not Decision.APPROVE
            for o, d in zip(own, decided, strict=True)
        )
    assert raised_by_rules > 10


def test_rows_at_every_edge_and_scores_at_the_thresholds_are_decided_as_before() -> None:
    rng = np.random.default_rng(25)
    size = 20_000
    rows = rng.choice(np.array([np.nan, -np.inf, np.inf, 0, 0.5, 1, 4, 8, 9.99, 10, 1000, 1001],
                               dtype=np.float32), (size, len(FEATURE_NAMES)))  # fmt: skip
    thresholds = Thresholds(review=0.3, block=0.9)
    scores = rng.choice(np.array([0.1, 0.3, 0.5, 0.9, 0.95, np.nan], dtype=np.float32), size)
    expected = decide_batch(scores, rows, thresholds)
    scored = [Verdict(float(s), d, ["x"] if d is not Decision.APPROVE else [], r)
              for s, (d, r) in zip(scores, expected, strict=True)]  # fmt: skip
    step, _ = decider()
    decided, _ = step.decide(scored, thresholds, rows, [])
    assert [(v.decision, v.rules) for v in decided] == expected
    assert {r for _, rules in expected for r in rules} >= {"R04-RISKY-TERMINAL"}


def test_model_levels_follow_thresholds_or_else_the_scorer() -> None:
    scored = [Verdict(s, Decision.REVIEW, [], []) for s in (0.1, 0.3, 0.95, float("nan"))]
    assert model_levels(scored, Thresholds(review=0.3, block=0.9)).tolist() == [0, 1, 2, 0]
    unknown = Thresholds.model_construct(review=float("nan"), block=float("nan"))
    assert model_levels(scored, unknown).tolist() == [1, 1, 1, 1]


def test_live_rules_decide_shadow_rules_only_report_with_versions() -> None:
    rules = RuleSet.compile([
        rule("BIG", "amount > 100", Action.BLOCK, version=3),
        rule("BIG", "amount > 50", Action.BLOCK, status=Status.SHADOW, version=4),
        rule("VIP", "amount < 1", Action.ALLOW, version=2),
    ])  # fmt: skip
    step, metrics = decider(Fixed(rules))
    rows = np.zeros((3, len(FEATURE_NAMES)), dtype=np.float32)
    rows[:, AMOUNT] = [500, 70, 0.5]
    scored = [Verdict(0.0, Decision.APPROVE, [], []), Verdict(0.0, Decision.APPROVE, [], []),
              Verdict(0.5, Decision.REVIEW, ["amount"], [])]  # fmt: skip
    decided, hits = step.decide(scored, Thresholds(review=0.3, block=0.9), rows, [])
    assert [v.decision for v in decided] == [Decision.BLOCK, Decision.APPROVE, Decision.APPROVE]
    assert [v.rules for v in decided] == [["BIG"], [], ["VIP"]]
    assert decided[2].reasons == []  # an approval carries no reason codes
    assert [h.versions for h in hits] == [[3], [], [2]]
    assert [(h.shadow, h.shadow_versions) for h in hits] == [
        (["BIG"], [4]),
        (["BIG"], [4]),
        ([], []),
    ]
    assert metrics.shadow_rules.labels(rule="BIG")._value.get() == 2
    # Of those, the second was approved: an alert the shadow version would add.
    assert metrics.shadow_new_alerts.labels(rule="BIG")._value.get() == 1
    assert metrics.rules_revision._value.get() == 7


def test_the_lists_in_force_are_read_and_an_expired_entry_no_longer_matches(transactions):
    rules = RuleSet.compile([rule("LISTED", "card_id in blocked_cards", Action.BLOCK)])
    lists = Lists()
    lists.add("blocked_cards", "card-1", expires_at=time.time() + 60)
    lists.add("blocked_cards", "card-2", expires_at=time.time() - 0.001)
    step, metrics = decider(Fixed(rules, lists=lists, lists_revision=3))
    txs = transactions(3)  # card-0, card-1, card-2
    scored = [Verdict(0.0, Decision.APPROVE, [], []) for _ in txs]
    rows = np.zeros((3, len(FEATURE_NAMES)), dtype=np.float32)
    decided, hits = step.decide(scored, Thresholds(review=0.3, block=0.9), rows, txs)
    assert [v.decision for v in decided] == [Decision.APPROVE, Decision.BLOCK, Decision.APPROVE]
    assert [h.versions for h in hits] == [[], [1], []]
    assert metrics.lists_revision._value.get() == 3


def test_a_rule_that_raises_is_counted_and_the_payment_still_decided() -> None:
    def broken(batch):
        raise RuntimeError("boom")

    bad = CompiledRule(rule("BAD", "amount > 1", Action.BLOCK), broken)  # a rule as a function
    rules = RuleSet([bad, compile_rule(rule("OK", "amount > 1"))])
    step, metrics = decider(Fixed(rules))
    rows = np.full((2, len(FEATURE_NAMES)), 5, dtype=np.float32)
    scored = [Verdict(0.0, Decision.APPROVE, [], [])] * 2
    decided, _ = step.decide(scored, Thresholds(review=0.3, block=0.9), rows, [])
    assert [(v.decision, v.rules) for v in decided] == [(Decision.REVIEW, ["OK"])] * 2
    assert metrics.rule_errors.labels(rule="BAD")._value.get() == 1


def test_an_engine_failure_keeps_the_scorers_decisions() -> None:
    class Broken(RuleSet):
        def decide(self, model, batch):
            raise MemoryError("no room")

    step, metrics = decider(Fixed(Broken([])))
    scored = [Verdict(0.95, Decision.BLOCK, ["amount"], ["R01-IMPOSSIBLE-TRAVEL"])]
    rows = np.zeros((1, len(FEATURE_NAMES)), dtype=np.float32)
    decided, hits = step.decide(scored, Thresholds(review=0.3, block=0.9), rows, [])
    assert decided == scored
    assert hits[0].versions == []
    assert metrics.rule_errors.labels(rule="*")._value.get() == 1


@pytest.mark.parametrize("size", [0, 1])
def test_empty_and_single_batches(size) -> None:
    step, _ = decider()
    rows = np.zeros((size, len(FEATURE_NAMES)), dtype=np.float32)
    scored = [Verdict(0.1, Decision.APPROVE, [], [])] * size
    assert step.decide(scored, Thresholds(review=0.3, block=0.9), rows, [])[0] == scored


def test_an_alert_only_a_rule_raised_gets_the_models_reason_codes() -> None:
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    data = world(days=2, customers=400, seed=9)
    rows = data.rows[:64]
    scored = verdicts(model, rows)
    approved = [i for i, v in enumerate(scored) if v.decision is Decision.APPROVE]
    assert len(approved) > 10
    everything = RuleSet.compile([rule("ALL", "amount >= 0", Action.REVIEW)])
    step, _ = decider(Fixed(everything))
    decided, _ = step.decide(scored, model.card.thresholds, rows, data.payments[:64], model.reasons)
    expected = model.reasons(rows[approved])
    assert [decided[i].reasons for i in approved] == expected
    assert any(expected), "no approved row had a feature pushing its score up"
    # The scorer's own alerts keep the reason codes it gave them.
    flagged = [i for i in range(len(scored)) if i not in approved]
    assert [decided[i].reasons for i in flagged] == [scored[i].reasons for i in flagged]


def test_reason_codes_that_fail_leave_the_rules_decision_standing() -> None:
    def broken(rows):
        raise RuntimeError("no trees")

    step, _ = decider(Fixed(RuleSet.compile([rule("BIG", "amount > 100", Action.BLOCK)])))
    rows = np.zeros((1, len(FEATURE_NAMES)), dtype=np.float32)
    rows[:, AMOUNT] = 500
    scored = [Verdict(0.0, Decision.APPROVE, [], [])]
    decided, _ = step.decide(scored, Thresholds(review=0.3, block=0.9), rows, [], broken)
    assert [(v.decision, v.rules, v.reasons) for v in decided] == [(Decision.BLOCK, ["BIG"], [])]
    # A scorer that cannot explain (remote) answers None: nothing changes either.
    decided, _ = step.decide(scored, Thresholds(review=0.3, block=0.9), rows, [], lambda r: None)
    assert decided[0].reasons == []
