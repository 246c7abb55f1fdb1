"""A rule can never raise in the hot path: random well-typed expressions, evaluated through the
rule set on batches full of NaN, infinities, extremes and absent payment fields, with numpy's
warnings turned into errors, alone and through the consumer's decision step; and any text at all
either compiles or is refused with a RuleError."""

import datetime as dt
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from fraud_consumer.live_rules import LoadedRules
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.rule_decisions import RuleDecider
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.rules import (
    SERVED,
    Action,
    Batch,
    RuleDefinition,
    RuleError,
    RuleSet,
    Status,
    Type,
    compile_condition,
)
from fraudcore.rules.vocabulary import LIST_FIELD
from fraudcore.schemas import Channel, Decision, Transaction
from fraudcore.scoring import Verdict

FLAGS = [name for name, kind in SERVED.features.items() if kind is Type.FLAG]
NUMBERS = [*SERVED.features, *(n for n, k in SERVED.fields.items() if k is Type.NUMBER)]
# A list is matched against its own field, or a literal (another field is refused as a mix-up).
LISTED = [
    (field, name) for name, kind in SERVED.lists.items() for field in (LIST_FIELD[kind], "'x'")
]
TEXTS = [name for name, kind in SERVED.fields.items() if kind is Type.TEXT]
SPECIAL = np.array(
    [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 3.4e38, -3.4e38, 1e-45, 0.5, 10.0, 1000.0],
    dtype=np.float32,
)
literal = st.sampled_from(["0", "1", "0.5", "1e39", "1e-45", "1_000", "3.4e38", ".5", "10"])
text_literal = st.sampled_from(["'FR'", "'card-1'", '"online"', "'dev-1'", "''"])


def numbers() -> st.SearchStrategy[str]:
    leaf = st.one_of(st.sampled_from(NUMBERS), literal)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda x: f"-{x}"),
            inner.map(lambda x: f"abs({x})"),
        ),
        max_leaves=6,
    )


def texts() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(TEXTS), text_literal)


def conditions() -> st.SearchStrategy[str]:
    compare = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])
    leaf = st.one_of(
        st.sampled_from([*FLAGS, "true", "false"]),
        st.tuples(numbers(), compare, numbers()).map(" ".join),
        st.tuples(texts(), st.sampled_from(["==", "!="]), texts()).map(" ".join),
        st.tuples(texts(), st.sampled_from(["in", "not in"]), st.sampled_from(
            ["['FR', 'DE']", "['card-1']"])).map(" ".join),
        st.tuples(st.sampled_from(LISTED), st.sampled_from(["in", "not in"])).map(
            lambda t: f"{t[0][0]} {t[1]} {t[0][1]}"),
        st.tuples(numbers(), st.sampled_from(["in", "not in"]), st.sampled_from(
            ["[1, 0.5, -2]", "[1000]"])).map(" ".join),
        st.one_of(numbers(), texts()).map(lambda x: f"missing({x})"),
    )  # fmt: skip
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            inner.map(lambda c: f"not ({c})"),
            inner.map(lambda c: f"missing({c})"),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]}) {t[1]} ({t[2]})"
            ),
        ),
        max_leaves=8,
    )


def payment(i: int, rng: np.random.Generator) -> Transaction:
    return Transaction(
        transaction_id=f"tx-{i}", event_time=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        card_id=f"card-{rng.integers(3)}", customer_id="cust-1", merchant_id="merch-1",
        merchant_name="Shop", merchant_category="5812", amount=1_000_000.0, currency="EUR",
        channel=Channel.ONLINE, country=str(rng.choice(["FR", "DE"])), city="Paris",
        lat=-90.0, lon=180.0, device_id=None if rng.random() < 0.5 else "dev-1",
    )  # fmt: skip


def batch_of(seed: int, size: int, with_payments: bool) -> Batch:
    rng = np.random.default_rng(seed)
    rows = rng.choice(SPECIAL, (size, len(FEATURE_NAMES)))
    payments = [payment(i, rng) for i in range(size)] if with_payments else None
    return Batch.of_rows(rows, payments, {"blocked_cards": frozenset({"card-1"})})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    expressions=st.lists(conditions(), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
    size=st.sampled_from([0, 1, 7, 64]),
    with_payments=st.booleans(),
    actions=st.lists(st.sampled_from(list(Action)), min_size=4, max_size=4),
)
def test_compiled_rules_never_raise(expressions, seed, size, with_payments, actions) -> None:
    definitions = [
        RuleDefinition(
            id=f"F{i}",
            version=1,
            expression=expression,
            action=actions[i],
            reason="fuzzed",
            priority=i * 10,
            status=Status.ACTIVE if i % 2 == 0 else Status.SHADOW,
        )
        for i, expression in enumerate(expressions)
    ]
    rules = RuleSet.compile(definitions)  # well-typed by construction: must compile
    data = batch_of(seed, size, with_payments)
    model = np.random.default_rng(seed).integers(0, 3, size).astype(np.int8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        decided = rules.decide(model, data)
        fired = [rule.fires(data.feature) for rule in rules.active]
    assert decided.errors == []  # operations are total: no rule fails, none is left out
    assert decided.levels.shape == (size,)
    assert set(decided.levels.tolist()) <= {0, 1, 2}
    assert len(decided.fired) == len(decided.shadow) == size
    assert all(mask.dtype == np.bool_ and mask.shape == (size,) for mask in fired)


class Fixed:
    def __init__(self, rules: RuleSet) -> None:
        self.loaded = LoadedRules(rules, 1)

    def current(self) -> LoadedRules:
        return self.loaded

    def close(self) -> None:
        return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    expressions=st.lists(conditions(), min_size=1, max_size=6),
    seed=st.integers(0, 2**32 - 1),
    size=st.sampled_from([0, 1, 7, 64]),
    actions=st.lists(st.sampled_from(list(Action)), min_size=6, max_size=6),
    scores=st.lists(st.sampled_from([0.0, 0.29, 0.3, 0.9, 1.0, float("nan")]), min_size=64,
                    max_size=64),
)  # fmt: skip
def test_the_consumers_decision_step_never_raises(expressions, seed, size, actions, scores):
    """Through the consumer's hot path: every payment decided, every fired id with a version."""
    definitions = [
        RuleDefinition(id=f"F{i}", version=i + 1, expression=expression, action=actions[i],
                       reason="fuzzed", priority=(i * 37) % 1_000,
                       status=(Status.ACTIVE, Status.SHADOW, Status.DRAFT)[i % 3])
        for i, expression in enumerate(expressions)
    ]  # fmt: skip
    data = batch_of(seed, size, with_payments=True)
    rows = np.stack([data.feature(name) for name in FEATURE_NAMES], axis=1) if size else None
    rows = np.zeros((0, len(FEATURE_NAMES)), np.float32) if rows is None else rows
    verdicts = [Verdict(scores[i], Decision.APPROVE, [], []) for i in range(size)]
    step = RuleDecider(Fixed(RuleSet.compile(definitions)), ConsumerMetrics(CollectorRegistry()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        decided, hits = step.decide(verdicts, Thresholds(review=0.3, block=0.9), rows,
                                    data.payments or [])  # fmt: skip
    assert len(decided) == len(hits) == size
    assert all(len(h.versions) == len(v.rules) for h, v in zip(hits, decided, strict=True))
    assert all(len(h.shadow) == len(h.shadow_versions) for h in hits)
    assert step.metrics.rule_errors.labels(rule="*")._value.get() == 0


pieces = st.sampled_from(
    ["amount", "card_id", "new_merchant", "blocked_cards", "missing", "abs", "(", ")", "[", "]",
     ",", "and", "or", "not", "in", "<", ">=", "==", "!=", "+", "-", "*", "/", "1", "0.5", "'FR'",
     "'", '"', "true", "\n", "#", "=", "&", "1e999", ".", "_", "é", "\\", " "]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(pieces, max_size=30).map(" ".join), st.text(max_size=60)))
def test_any_text_compiles_or_is_refused_with_a_pointed_error(source: str) -> None:
    try:
        run = compile_condition(source)
    except RuleError as error:
        refused: RuleError | None = error
    else:
        refused = None
    if refused is not None:
        assert refused.line >= 1
        assert refused.column >= 1
        assert str(refused).endswith("^")
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):
            assert run(batch_of(1, 5, True)).shape == (5,)
