"""Payment by payment (``fraudcore.rules.scalar``) decides exactly as the rules one at a time
over whole columns: random rule sets from the grammar on random batches full of NaN,
infinities, extremes and absent fields, in float32 and float64, with numpy's warnings as
errors; and the rule set takes that path for small batches only, falling back when it fails."""

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings

from fraudcore.rules import BASELINE_RULES, Action, Batch, RuleDefinition, RuleSet, Status
from fraudcore.rules import engine as engine_module
from fraudcore.rules.compiler import Tree
from fraudcore.rules.scalar import Row, fires, fires_all
from tests.fraudcore.rules.test_program import CASES, of_dtype, one_at_a_time


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**CASES)
def test_each_rule_fires_on_each_payment_as_over_whole_columns(
    definitions, seed, size, with_payments, dtype
) -> None:
    rules = RuleSet.compile(definitions)
    active, shadow = one_at_a_time(rules, lambda: of_dtype(seed, size, with_payments, dtype))
    batch = of_dtype(seed, size, with_payments, dtype)
    matrix = batch.matrix()
    assert matrix is not None
    rows = [Row(batch, j, matrix[:, j]) for j in range(size)]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("error")
        for compiled, expected in ((rules.active, active), (rules.shadow, shadow)):
            for rule, mask in zip(compiled, expected, strict=True):
                assert rule.tree is not None
                test = fires(rule.tree)
                got = [bool(test(row)) for row in rows]
                assert got == mask.tolist(), rule.definition.expression


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**CASES)
def test_a_set_sharing_subexpressions_fires_as_its_rules_one_at_a_time(
    definitions, seed, size, with_payments, dtype
) -> None:
    """The set's rules read a row together: what several hold is computed once for it."""
    shared = [RuleDefinition(id=f"T{i}", version=1, expression=e, action=Action.REVIEW,
                             reason="test", priority=50, status=Status.ACTIVE)
              for i, e in enumerate(SHARING)]  # fmt: skip
    rules = RuleSet.compile([*definitions, *shared])
    active, shadow = one_at_a_time(rules, lambda: of_dtype(seed, size, with_payments, dtype))
    batch = of_dtype(seed, size, with_payments, dtype)
    matrix = batch.matrix()
    assert matrix is not None
    compiled = [*rules.active, *rules.shadow]
    tests = fires_all([rule.tree for rule in compiled if rule.tree is not None])
    rows = [Row(batch, j, matrix[:, j]) for j in range(size)]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("error")
        got = [[bool(test(row)) for row in rows] for test in tests]
    assert got == [mask.tolist() for mask in (*active, *shadow)]


# Rules holding the same parts: a list lookup, arithmetic, a whole condition, under not.
SHARING = (
    "card_id in blocked_cards or merchant_id in blocked_merchants",
    "(card_id in blocked_cards or merchant_id in blocked_merchants) and amount > 10",
    "not (card_id in blocked_cards or merchant_id in blocked_merchants) and new_device",
    "distance_from_home_km / (card_history_log + 1) > 5",
    "distance_from_home_km / (card_history_log + 1) <= 50 and abs(amount_zscore) > 2",
    "abs(amount_zscore) > 3 or missing(distance_from_home_km)",
    "country in ['US', 'BR'] and not missing(distance_from_home_km)",
)


def test_what_several_rules_hold_is_computed_once_per_payment() -> None:
    trees = [Tree.of(expression) for expression in SHARING]
    tests = fires_all(trees)
    batch = of_dtype(3, 1, True, np.float32)
    matrix = batch.matrix()
    assert matrix is not None
    row = Row(batch, 0, matrix[:, 0])
    with np.errstate(all="ignore"):
        for test in tests:
            test(row)
    # the list condition (its two sides under not), the quotient, abs(...), missing(...)
    assert len(row.memo) >= 4
    alone = Row(batch, 0, matrix[:, 0])
    fires(trees[0])(alone)
    assert alone.memo == {}  # a rule compiled on its own shares nothing


def some_rules() -> RuleSet:
    """The baseline and rules of the other shapes: text, lists, arithmetic, missing()."""
    written = [
        "country in ['US', 'BR'] and amount > 100",
        "card_id in blocked_cards or not missing(device_id)",
        "distance_from_home_km / (card_history_log + 1) > 10 and not new_device",
    ]
    return RuleSet.compile([*BASELINE_RULES, *(
        RuleDefinition(id=f"S{i}", version=1, expression=e, action=Action.REVIEW,
                       reason="test", priority=50, status=Status.ACTIVE)
        for i, e in enumerate(written))])  # fmt: skip


def test_small_batches_are_decided_payment_by_payment_and_large_ones_by_the_program() -> None:
    rules = some_rules()
    runs: list[int] = []
    program = rules._program.run

    def counted(batch: Batch) -> np.ndarray:
        runs.append(batch.size)
        return program(batch)

    rules._program.run = counted  # type: ignore[method-assign]
    per_payment = engine_module.SCALAR_WORK // max(1, len(rules._tests or ()))
    small, large = max(1, per_payment), per_payment + 1
    for size in (small, large):
        rules.decide(np.zeros(size, np.int8), of_dtype(3, size, True, np.float32))
    assert runs == ([large] if per_payment >= 1 else [small, large])


def test_a_failure_payment_by_payment_falls_back_to_the_program() -> None:
    rules = some_rules()
    batch = of_dtype(5, 1, True, np.float32)
    expected = rules.decide(np.zeros(1, np.int8), batch)

    def broken(row: Row) -> bool:
        raise ZeroDivisionError("a bug in a rule's scalar form")

    rules._tests = tuple(broken for _ in rules._tests or ())
    decided = rules.decide(np.zeros(1, np.int8), of_dtype(5, 1, True, np.float32))
    assert (decided.fired, decided.shadow) == (expected.fired, expected.shadow)
    assert decided.levels.tolist() == expected.levels.tolist()
    assert decided.errors == []
