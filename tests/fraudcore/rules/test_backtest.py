"""The backtest's figures on a window made by hand, and its batch of columns against the hot
path's batch of rows and payments: the same rule fires on the same payments (fuzzed)."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudcore.features import FEATURE_NAMES
from fraudcore.rules import SERVED, Action, Batch, RuleDefinition, RuleSet, Status, compile_rule
from fraudcore.rules.backtest import FRAUD, GENUINE, UNLABELLED, Logged, Window, backtest
from fraudcore.schemas import Channel, Transaction

START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
TEXTS = [name for name, kind in SERVED.fields.items() if kind.value == "text"]
NUMBERS = [name for name, kind in SERVED.fields.items() if kind.value == "a number"]


def rule(expression: str, rule_id: str = "T1") -> RuleDefinition:
    return RuleDefinition(id=rule_id, version=2, expression=expression, action=Action.REVIEW,
                          reason="test", status=Status.DRAFT)  # fmt: skip


def window(**overrides: object) -> Window:
    """Six payments: amounts 10..60, fraud on 2 of them, cards c1 c1 c2 c3 c3 c4."""
    size = 6
    values: dict[str, object] = {
        "start": START, "end": START + dt.timedelta(days=7), "size": size,
        "features": {"amount": np.array([10, 20, 30, 40, 50, 60], np.float32)},
        "texts": {"currency": np.array(["EUR", "EUR", "USD", "EUR", "XXX", "EUR"], object)},
        "numbers": {},
        "event_time": np.arange(size).astype("datetime64[us]"),
        "transaction": np.arange(size, dtype=np.int64),
        "label": np.array([FRAUD, GENUINE, FRAUD, UNLABELLED, FRAUD, GENUINE], np.int8),
        "amount": np.array([10, 20, 117, 40, 50, 60], np.float64),
        "card": np.array([1, 1, 2, 3, 3, 4], np.int64),
        "decision": np.array([0, 1, 2, 0, 1, 0], np.int8),
        "model_alert": np.array([0, 1, 1, 0, 0, 0], np.bool_),
        "any_rule": np.array([0, 0, 0, 0, 1, 0], np.bool_),
        "without_payment": np.array([0, 0, 0, 0, 0, 1], np.bool_),
    }  # fmt: skip
    return Window(**(values | overrides))  # type: ignore[arg-type]


def test_figures_count_hits_labels_money_cards_and_overlaps() -> None:
    figures = backtest(rule("amount > 15"), window()).as_json()
    assert figures["hits"] == 5
    assert (figures["labelled_hits"], figures["fraud_hits"], figures["genuine_hits"]) == (4, 2, 2)
    assert figures["precision"] == 0.5
    assert figures["recall"] == pytest.approx(2 / 3, abs=1e-6)
    # 117 USD is 100 EUR; XXX has no rate: kept apart, never added up raw.
    assert figures["fraud_amount_caught"] == 100.0
    assert figures["fraud_amount_caught_unconverted"] == {"XXX": 50.0}
    assert figures["window"]["fraud_amount"] == 110.0
    assert figures["amount_recall"] == pytest.approx(100 / 110, abs=1e-6)
    assert (figures["cards_hit"], figures["genuine_cards_hit"]) == (4, 2)
    assert figures["by_decision"] == {"approve": 2, "review": 2, "block": 1}
    assert figures["overlap"] == {"model_alerts": 2, "other_active_rules": 1, "new_alerts": 2}
    assert figures["without_payment_fields"] == 0  # the rule reads no payment field
    assert "live" not in figures
    assert figures["window"] | {} == {
        "from": "2026-12-01T00:00:00.000000Z", "to": "2026-12-08T00:00:00.000000Z", "decisions": 6,
        "labelled": 5, "fraud": 3, "fraud_amount": 110.0, "fraud_amount_unconverted": {"XXX": 50.0},
    }  # fmt: skip


def test_what_the_rule_did_live_is_set_beside_the_backtest() -> None:
    logged = Logged(
        fired=np.array([0, 1, 1, 0, 0, 0], np.bool_),
        shadow=np.array([0, 0, 0, 1, 0, 0], np.bool_),
        others=np.array([1, 0, 0, 0, 0, 0], np.bool_),
    )
    figures = backtest(rule("amount > 15 and amount < 45"), window(logged={"T1": logged}))
    assert figures.as_json()["live"] == {
        "fired": 2, "shadow": 1, "agreed": 3, "backtest_only": 0, "live_only": 0
    }  # fmt: skip
    assert figures.as_json()["overlap"]["other_active_rules"] == 0  # its own firing is not other


def test_rows_without_the_payment_are_counted_for_a_rule_reading_fields() -> None:
    texts = {"currency": window().texts["currency"], "channel": np.array([None] * 6, object)}
    figures = backtest(rule("channel == 'online'"), window(texts=texts)).as_json()
    assert (figures["hits"], figures["without_payment_fields"]) == (0, 1)


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 3.4e38, 0.5, 10.0, 1000.0], np.float32)


def payments(rng: np.random.Generator, size: int) -> list[Transaction]:
    return [
        Transaction(
            transaction_id=f"tx-{i}",
            event_time=START,
            card_id=f"card-{rng.integers(3)}",
            customer_id="cust-1",
            merchant_id=f"m-{rng.integers(2)}",
            merchant_name="Shop 'A'",
            merchant_category="5812",
            amount=12.0,
            currency=str(rng.choice(["EUR", "USD"])),
            channel=Channel(rng.choice([c.value for c in Channel])),
            country=str(rng.choice(["FR", "DE"])),
            city="Paris",
            lat=float(rng.uniform(-90, 90)),
            lon=0.0,
            device_id=None if rng.random() < 0.5 else "dev-1",
        )
        for i in range(size)
    ]


def as_logged(rows: np.ndarray, txs: list[Transaction]) -> Batch:
    """The columns the log keeps of the same payments: text as the writer logs it."""
    texts = {
        name: np.array([None if getattr(t, name) is None else str(getattr(t, name)) for t in txs],
                       dtype=object)
        for name in TEXTS
    }  # fmt: skip
    numbers = {name: np.array([getattr(t, name) for t in txs], np.float64) for name in NUMBERS}
    features = {name: rows[:, i].copy() for i, name in enumerate(FEATURE_NAMES)}
    return Batch.of_columns(
        len(txs), features, texts, numbers, {"blocked_cards": frozenset({"card-1"})}
    )


LEAVES = [
    "new_merchant", "amount > 0.5", "amount_zscore <= 10", "abs(lat) > 45", "missing(device_id)",
    "device_id == 'dev-1'", "channel != 'online'", "country in ['FR']", "card_id in blocked_cards",
    "merchant_id not in ['m-1']", "currency == 'USD'", "missing(amount)", "lat / amount > 1",
    "true",
]  # fmt: skip


def conditions() -> st.SearchStrategy[str]:
    leaf = st.one_of(
        st.sampled_from(LEAVES),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            inner.map(lambda c: f"not ({c})"),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]}) {t[1]} ({t[2]})"
            ),
        ),
        max_leaves=6,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression=conditions(), seed=st.integers(0, 2**32 - 1), size=st.sampled_from([1, 7, 64]))
def test_columns_fire_where_the_consumers_rule_set_fires(expression, seed, size) -> None:
    rng = np.random.default_rng(seed)
    rows = rng.choice(SPECIAL, (size, len(FEATURE_NAMES)))
    txs = payments(rng, size)
    definition = rule(expression).model_copy(update={"status": Status.ACTIVE})
    lists = {"blocked_cards": frozenset({"card-1"})}
    decided = RuleSet.compile([definition]).decide(
        np.zeros(size, np.int8), Batch.of_rows(rows, txs, lists)
    )
    live = np.array(["T1" in fired for fired in decided.fired])
    with np.errstate(all="ignore"):
        columns = compile_rule(definition).evaluate(as_logged(rows, txs))
    assert columns.tolist() == live.tolist()
