"""A rule set compiled as a whole decides exactly as its rules evaluated one at a time: random
rule sets from the grammar (served features, payment fields, lists, thresholds shared between
rules), random batches full of NaN, infinities and absent fields; and the levels match a plain
per-payment reading of the combining policy."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudcore.features import FEATURE_NAMES
from fraudcore.rules import SERVED, Action, Batch, RuleDefinition, RuleSet, Status, Type
from fraudcore.rules.engine import LEVEL
from tests.fraudcore.rules.test_fuzz import batch_of, conditions

NUMBERS = [n for n, k in SERVED.features.items() if k is Type.NUMBER] + ["lat", "lon"]
THRESHOLDS = ["-1", "0", "0.1", "0.5", "1", "2.5", "10", "1000", "16777217", "1e39", "-1e39"]


def thresholds() -> st.SearchStrategy[str]:
    """``column OP constant`` (either side), many rules over few columns: what groups share."""
    return st.tuples(
        st.sampled_from([*NUMBERS[:6], "lat"]),
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        st.sampled_from(THRESHOLDS),
        st.booleans(),
    ).map(lambda t: f"{t[0]} {t[1]} {t[2]}" if t[3] else f"{t[2]} {t[1]} {t[0]}")


def texts() -> st.SearchStrategy[str]:
    """A text field against a constant or a literal list, many rules over few fields."""

    def written(field: str, operator: str, literal: str) -> str:
        if operator in ("==", "!="):
            return f"{field} {operator} {literal}"
        return f"{field} {operator} [{literal}, 'XX']"

    return st.builds(
        written,
        st.sampled_from(["country", "card_id", "device_id"]),
        st.sampled_from(["==", "!=", "in", "not in"]),
        st.sampled_from(["'FR'", "'DE'", "'card-1'", "'dev-1'"]),
    )


def rule_sets() -> st.SearchStrategy[list[RuleDefinition]]:
    leaf = st.one_of(thresholds(), texts(), conditions())
    expression = st.one_of(
        leaf,
        st.tuples(leaf, st.sampled_from(["and", "or"]), leaf).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})"
        ),
        st.tuples(leaf, leaf, leaf).map(lambda t: f"({t[0]}) and not (({t[1]}) or ({t[2]}))"),
        st.tuples(st.lists(leaf, min_size=3, max_size=4), st.sampled_from(["and", "or"])).map(
            lambda t: f" {t[1]} ".join(f"({part})" for part in t[0])  # one flat chain
        ),
    )
    rule = st.tuples(
        expression,
        st.sampled_from(list(Action)),
        st.integers(0, 5).map(lambda p: p * 100),
        st.sampled_from([Status.ACTIVE, Status.ACTIVE, Status.SHADOW, Status.DRAFT]),
    )
    return st.lists(rule, min_size=1, max_size=25).map(
        lambda rules: [
            RuleDefinition(
                id=f"P{i:02d}",
                version=1,
                expression=e,
                action=a,
                reason="property",
                priority=p,
                status=s,
            )
            for i, (e, a, p, s) in enumerate(rules)
        ]
    )


def one_at_a_time(rules, batch_for) -> tuple[np.ndarray, np.ndarray]:
    """Each rule evaluated on its own, on a batch of its own (nothing shared)."""
    with np.errstate(all="ignore"):
        masks = [[rule.evaluate(batch_for()) for rule in rs] for rs in (rules.active, rules.shadow)]
    size = batch_for().size
    return tuple(np.array(m, dtype=np.bool_).reshape(len(m), size) for m in masks)


def policy(model: np.ndarray, rules: RuleSet, fired: np.ndarray) -> list[int]:
    """The combining rule as the module says it, payment by payment."""
    levels = []
    for j, level in enumerate(model.tolist()):
        hit = [r.definition for r, f in zip(rules.active, fired[:, j], strict=True) if f]
        strict = [d for d in hit if d.action is not Action.ALLOW]
        allows = [d.priority for d in hit if d.action is Action.ALLOW]
        if allows and max(allows) > max((d.priority for d in strict), default=-1):
            levels.append(0)
        else:
            levels.append(max([level, *(LEVEL[d.action] for d in strict)]))
    return levels


def of_dtype(seed: int, size: int, with_payments: bool, dtype: type) -> Batch:
    """A random batch over a feature matrix of ``dtype``."""
    made = batch_of(seed, size, with_payments)
    rows = np.stack([made.feature(n) for n in FEATURE_NAMES], axis=1).astype(dtype)
    return Batch.of_rows(rows.reshape(size, len(FEATURE_NAMES)), made.payments, made.lists)


# Random rule sets and batches: sizes under and over the engine's payment-by-payment limit.
CASES = {
    "definitions": rule_sets(),
    "seed": st.integers(0, 2**32 - 1),
    "size": st.sampled_from([0, 1, 5, 64]),
    "with_payments": st.booleans(),
    "dtype": st.sampled_from([np.float32, np.float32, np.float64]),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**CASES)
def test_the_set_decides_as_its_rules_one_at_a_time(
    definitions, seed, size, with_payments, dtype
) -> None:
    rules = RuleSet.compile(definitions)
    active, shadow = one_at_a_time(rules, lambda: of_dtype(seed, size, with_payments, dtype))
    model = np.random.default_rng(seed).integers(0, 3, size).astype(np.int8)
    decided = rules.decide(model, of_dtype(seed, size, with_payments, dtype))
    assert decided.errors == []
    ids = [
        [r.id for r, f in zip(rules.active, active[:, j], strict=True) if f] for j in range(size)
    ]
    would = [
        [r.id for r, f in zip(rules.shadow, shadow[:, j], strict=True) if f] for j in range(size)
    ]
    assert decided.fired == ids
    assert decided.shadow == would
    assert decided.levels.tolist() == policy(model, rules, active)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions=rule_sets(), seed=st.integers(0, 2**32 - 1))
def test_columns_of_several_dtypes_are_decided_one_rule_at_a_time_as_well(definitions, seed):
    """Features of two dtypes cannot be stacked without changing them: the set falls back to
    its rules one at a time, with the same result."""
    rules = RuleSet.compile(definitions)
    made = batch_of(seed, 7, True)

    def column(name: str) -> np.ndarray:
        values = made.feature(name)
        return values.astype(np.float64) if FEATURE_NAMES.index(name) % 2 else values

    def batch_for() -> Batch:
        return Batch(7, column, made.payments, made.lists)

    active, _ = one_at_a_time(rules, batch_for)
    decided = rules.decide(np.zeros(7, np.int8), batch_for())
    assert decided.errors == []
    assert decided.fired == [
        [r.id for r, f in zip(rules.active, active[:, j], strict=True) if f] for j in range(7)
    ]
    assert decided.levels.tolist() == policy(np.zeros(7, np.int8), rules, active)
