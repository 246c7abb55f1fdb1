"""Verdicts decided by a rule set as data (what the scorer's endpoints do): with the baseline
rules exactly those of ``fraudcore.decisions`` (decision, rules, reasons), with the versions of
the rules that fired; a rule as data escalates with its reasons, reads the payments' fields and
the lists given; a rule that raises never fails a decision."""

from pathlib import Path

import numpy as np

from fraud_rules.bench import world
from fraudcore.model import ModelBundle
from fraudcore.rules import BASELINE_RULES, Action, CompiledRule, RuleDefinition, RuleSet, Status
from fraudcore.schemas import Decision
from fraudcore.scoring import decided_verdicts, score_levels, verdicts

COMMITTED_MODEL_DIR = Path(__file__).resolve().parents[2] / "training" / "artifacts"


def rule(rule_id: str, expression: str, action: Action = Action.BLOCK) -> RuleDefinition:
    return RuleDefinition(id=rule_id, version=2, expression=expression, action=action,
                          reason="test", status=Status.ACTIVE)  # fmt: skip


def test_the_baseline_as_data_decides_as_the_hard_coded_rules() -> None:
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    data = world(days=2, customers=600, seed=9)
    baseline = RuleSet.compile(BASELINE_RULES)
    before = verdicts(model, data.rows)
    after = decided_verdicts(model, data.rows, baseline, {}, payments=data.payments)
    assert len(after) == len(data.rows) > 2_000
    assert [(v.score, v.decision, v.reasons, v.rules) for v in after] == [
        (v.score, v.decision, v.reasons, v.rules) for v in before
    ]
    assert all(v.rule_versions == [1] * len(v.rules) for v in after)
    assert {r for v in after for r in v.rules}
    assert {v.decision for v in after} == set(Decision)


def test_rules_as_data_escalate_with_reasons_and_read_payments_and_lists() -> None:
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    data = world(days=1, customers=300, seed=4)
    rows, payments = data.rows[:400], data.payments[:400]
    listed = payments[7].card_id
    rules = RuleSet.compile([rule("R40-LISTED", "card_id in blocked_cards")])
    decided = decided_verdicts(
        model, rows, rules, {"blocked_cards": frozenset({listed})}, payments=payments
    )
    for payment, verdict in zip(payments, decided, strict=True):
        hit = payment.card_id == listed
        assert (verdict.rules, verdict.rule_versions) == (
            (["R40-LISTED"], [2]) if hit else ([], [])
        )
        if hit:
            assert verdict.decision is Decision.BLOCK
            assert verdict.reasons
    # Feature vectors alone: the payment's card is missing, so the rule never fires.
    assert all(
        v.rules == []
        for v in decided_verdicts(model, rows, rules, {"blocked_cards": frozenset({listed})})
    )


def test_a_rule_that_raises_never_fails_a_decision() -> None:
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    data = world(days=1, customers=300, seed=4)
    rows = data.rows[:200]

    def broken(_batch: object) -> np.ndarray:
        raise ZeroDivisionError("boom")

    rules = RuleSet([CompiledRule(rule("R41-BROKEN", "amount > 0"), broken)])
    decided = decided_verdicts(model, rows, rules, {})
    levels = score_levels(model.predict(rows), model.card.thresholds)
    assert [v.decision for v in decided] == [
        (Decision.APPROVE, Decision.REVIEW, Decision.BLOCK)[level] for level in levels
    ]
    assert all(v.rules == [] for v in decided)
