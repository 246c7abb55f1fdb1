"""Rule sets: actions combined with the model by priority, shadow rules change nothing, versions
and broken rules refused when the set is compiled."""

import numpy as np
import pytest

from fraudcore.features import FEATURE_NAMES
from fraudcore.rules import Action, Batch, RuleDefinition, RuleSet, RuleSetError, Status

AMOUNT = FEATURE_NAMES.index("amount")


def rule(rule_id: str, expression: str, action: Action, priority: int = 100, **extra):
    fields = {"version": 1, "reason": "test", "status": Status.ACTIVE} | extra
    return RuleDefinition(
        id=rule_id, expression=expression, action=action, priority=priority, **fields
    )


def decide(rules: RuleSet, model: list[int], amounts: list[float]):
    rows = np.zeros((len(amounts), len(FEATURE_NAMES)), dtype=np.float32)
    rows[:, AMOUNT] = amounts
    return rules.decide(np.array(model, dtype=np.int8), Batch.of_rows(rows))


def test_block_and_review_raise_the_model_and_never_lower_it() -> None:
    rules = RuleSet.compile(
        [rule("BIG", "amount > 100", Action.BLOCK), rule("MID", "amount > 10", Action.REVIEW)]
    )
    decided = decide(rules, [0, 0, 0, 2], [500, 50, 5, 5])
    assert decided.levels.tolist() == [2, 1, 0, 2]
    assert decided.fired == [["BIG", "MID"], ["MID"], [], []]


def test_allow_wins_only_above_every_block_or_review_that_fired() -> None:
    rules = RuleSet.compile(
        [
            rule("VIP", "amount < 1000", Action.ALLOW, priority=200),
            rule("BIG", "amount > 100", Action.BLOCK, priority=100),
            rule("HUGE", "amount > 500", Action.BLOCK, priority=300),
            rule("EVEN", "amount == 50", Action.REVIEW, priority=200),
        ]
    )
    decided = decide(rules, [2, 0, 1, 0, 0], [5, 150, 600, 50, 2000])
    # The model's block allowed; an allowed block rule; an allow outranked; a tie: stricter.
    assert decided.levels.tolist() == [0, 0, 2, 1, 2]
    assert decided.fired[1] == ["VIP", "BIG"]  # in priority order
    assert decided.fired[2] == ["HUGE", "VIP", "BIG"]


def test_shadow_rules_are_reported_and_change_nothing() -> None:
    rules = RuleSet.compile(
        [
            rule("BIG", "amount > 100", Action.REVIEW),
            rule("BIG", "amount > 50", Action.BLOCK, version=2, status=Status.SHADOW),
            rule("OLD", "amount > 1", Action.BLOCK, status=Status.RETIRED),
            rule("NEW", "amount > 1", Action.BLOCK, status=Status.DRAFT),
        ]
    )
    decided = decide(rules, [0, 0, 0], [500, 70, 5])
    assert decided.levels.tolist() == [1, 0, 0]
    assert decided.fired == [["BIG"], [], []]
    assert decided.shadow == [["BIG"], ["BIG"], []]
    assert [r.definition.version for r in rules.shadow] == [2]


def test_a_set_refuses_clashing_versions_and_broken_rules_even_drafts() -> None:
    with pytest.raises(RuleSetError, match="R1 version 1 is defined twice"):
        RuleSet.compile([rule("R1", "true", Action.BLOCK), rule("R1", "false", Action.BLOCK)])
    with pytest.raises(RuleSetError, match="R1: versions 1 and 2 are both active"):
        RuleSet.compile(
            [rule("R1", "true", Action.BLOCK), rule("R1", "true", Action.BLOCK, version=2)]
        )
    with pytest.raises(RuleSetError, match=r"R2 version 1: line 1, column 9: unknown name"):
        RuleSet.compile([rule("R2", "true or amoun > 1", Action.BLOCK, status=Status.DRAFT)])


def test_an_empty_batch_and_an_empty_set() -> None:
    assert decide(RuleSet([]), [2, 0], [1, 2]).levels.tolist() == [2, 0]
    empty = decide(RuleSet.compile([rule("A", "true", Action.BLOCK)]), [], [])
    assert (empty.levels.tolist(), empty.fired) == ([], [])


def test_rules_of_a_set_share_their_common_subexpressions_within_a_batch() -> None:
    """The same flag, list lookup or comparison in many rules is computed once per batch, and
    a column compared with many constants is read once."""
    rules = RuleSet.compile(
        [
            rule("A", "amount > 5 and new_merchant and abs(amount_zscore) > 2", Action.REVIEW),
            rule("B", "amount > 7 and new_merchant and abs(amount_zscore) > 2", Action.BLOCK),
            rule("C", "not new_merchant", Action.REVIEW, status=Status.SHADOW),
        ]
    )
    rows = np.zeros((3, len(FEATURE_NAMES)), dtype=np.float32)
    rows[:, AMOUNT] = [1, 6, 8]
    rows[:, FEATURE_NAMES.index("new_merchant")] = 1
    rows[:, FEATURE_NAMES.index("amount_zscore")] = -3
    reads: list[str] = []

    def column(name: str) -> np.ndarray:
        reads.append(name)
        return rows[:, FEATURE_NAMES.index(name)]

    decided = rules.decide(np.zeros(3, dtype=np.int8), Batch(3, column))
    assert decided.levels.tolist() == [0, 1, 2]
    assert decided.fired == [[], ["A"], ["A", "B"]]  # equal priority: by id
    # Each column once: amount for both thresholds, the flag for both its sides (C's not).
    assert sorted(reads) == ["amount", "amount_zscore", "new_merchant"]
