"""A window of the decision log read back as columns decides as the hot path did: decisions with
hostile values (NaN, infinities, extremes; absent devices; odd text) logged into a real
PostgreSQL by the production writer, read back in one binary COPY, and for fuzzed rules the
backtest's hits are exactly where the consumer's rule set fires on the same rows and payments.
The figures are checked against the test's own truth; the COPY parser refuses what it cannot
read exactly."""

import datetime as dt
import importlib.util
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from fraudcore.decision_log import DecisionLogWriter, DecisionRow, connect, migrate
from fraudcore.decision_log.backtest_window import (
    SIGNATURE,
    WindowError,
    examples,
    latest_window,
    parse_copy,
    read_window,
)
from fraudcore.decision_log.contract import transaction_fields
from fraudcore.decision_log.rule_backtest import run
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.rules import SERVED, Action, Batch, RuleDefinition, RuleSet, Status
from fraudcore.rules.backtest import backtest
from fraudcore.rules.reads import reads
from fraudcore.schemas import Channel, Decision, Timings, Transaction

# The expression grammar the hot path is fuzzed with (tests/fraudcore/rules/test_fuzz.py), reused.
_FUZZ = Path(__file__).resolve().parents[1] / "rules" / "test_fuzz.py"
_spec = importlib.util.spec_from_file_location("rule_fuzz_grammar", _FUZZ)
assert _spec is not None
assert _spec.loader is not None
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

START = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
SIZE = 1_500
LISTS = {"blocked_cards": frozenset({"card-1"}), "watched_countries": frozenset({"DE"})}
THRESHOLDS = Thresholds(review=0.3, block=0.9)
NAMES = ["Shop", "O'Brien \\ Sons", "Café\tdu Parc", 'Le "Bon" Coin', "Ünïcode ☃"]


def payment(i: int, rng: np.random.Generator) -> Transaction:
    return Transaction(
        transaction_id=f"tx-{i}", event_time=START + dt.timedelta(seconds=97 * i),
        card_id=f"card-{rng.integers(4)}", customer_id=f"cust-{rng.integers(3)}",
        merchant_id=f"merch-{rng.integers(3)}", merchant_name=str(rng.choice(NAMES)),
        merchant_category="5812", amount=float(rng.choice([1.0, 9.99, 120.0, 5000.0])),
        currency=str(rng.choice(["EUR", "USD", "GBP"])), channel=rng.choice(list(Channel)),
        country=str(rng.choice(["FR", "DE", "US"])), city=str(rng.choice(["Paris", "Berlin"])),
        lat=float(rng.choice([-90.0, 0.0, 48.85])), lon=float(rng.choice([180.0, -0.0, 2.35])),
        device_id=None if rng.random() < 0.4 else f"dev-{rng.integers(2)}",
    )  # fmt: skip


def features(rng: np.random.Generator) -> np.ndarray:
    special = rng.choice(fuzz.SPECIAL, (SIZE, len(FEATURE_NAMES)))
    usual = rng.uniform(0, 20, (SIZE, len(FEATURE_NAMES))).astype(np.float32)
    return np.where(rng.random((SIZE, len(FEATURE_NAMES))) < 0.5, special, usual).astype(np.float32)


def logged_row(tx: Transaction, row: np.ndarray, score: float, offset: int) -> DecisionRow:
    decision = (
        Decision.BLOCK if score >= 0.9 else Decision.REVIEW if score >= 0.3 else Decision.APPROVE
    )
    return DecisionRow(
        **transaction_fields(tx), features=row, score=score, model_version="m-1",
        thresholds=THRESHOLDS, rules=["R01-IMPOSSIBLE-TRAVEL"] if offset % 5 == 0 else [],
        reasons=[], decision=decision, timings=Timings(), source_partition=0,
        source_offset=offset, decided_at=tx.event_time,
    )  # fmt: skip


@pytest.fixture
def logged(database_factory):
    """SIZE decisions over two days, labels on two thirds; the truth kept beside them."""
    settings_ = database_factory()
    rng = np.random.default_rng(5)
    rows, txs = features(rng), [payment(i, rng) for i in range(SIZE)]
    scores = rng.choice([0.0, 0.29, 0.3, 0.5, 0.95], SIZE)
    labels = rng.choice([-1, 0, 1], SIZE)
    with connect(settings_) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write(
            [logged_row(tx, rows[i], float(scores[i]), i) for i, tx in enumerate(txs)]
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO decision_labels (transaction_id, event_time, is_fraud, scenario, "
                "labelled_at) VALUES (%s, %s, %s, 'test', %s)",
                [(tx.transaction_id, tx.event_time, bool(labels[i]), tx.event_time)
                 for i, tx in enumerate(txs) if labels[i] >= 0],
            )  # fmt: skip
    return settings_, rows, txs, scores, labels


# Every feature and payment field a rule can name: one read for the fuzzed rules.
EVERYTHING = " or ".join(f"missing({name})" for name in [*SERVED.features, *SERVED.fields])


def end() -> dt.datetime:
    return START + dt.timedelta(days=3)


def fired_live(rows: np.ndarray, txs: list[Transaction], definition: RuleDefinition) -> set:
    """Where the consumer's rule set fires (by event time: one payment each here)."""
    decided = RuleSet.compile([definition]).decide(
        np.zeros(SIZE, np.int8), Batch.of_rows(rows, txs, LISTS)
    )
    return {tx.event_time for tx, fired in zip(txs, decided.fired, strict=True) if fired}


def fired_backtest(result) -> set:
    return {t.item().replace(tzinfo=dt.UTC) for t in result.window.event_time[result.hits]}


def fuzzed(expression: str) -> RuleDefinition:
    return RuleDefinition(id="F1", version=1, expression=expression, action=Action.BLOCK,
                          reason="fuzzed", status=Status.ACTIVE)  # fmt: skip


@pytest.mark.integration
def test_backtest_hits_are_where_the_consumers_rule_set_fires(logged) -> None:
    """The window read back once with every column a rule can name; then hundreds of fuzzed
    rules, each backtested on it and decided by the consumer's rule set on the rows logged."""
    settings_, rows, txs, _, _ = logged
    with connect(settings_) as conn:
        window = read_window(conn, START, end(), reads(EVERYTHING))
    assert window.size == SIZE

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(expression=fuzz.conditions())
    def agrees(expression: str) -> None:
        definition = fuzzed(expression)
        result = backtest(definition, window, LISTS)
        assert fired_backtest(result) == fired_live(rows, txs, definition)

    agrees()


# Rules on each kind of column, backtested the production way: only their columns read.
ONE_BY_ONE = [
    "amount > 10 and channel == 'online'", "device_id in blocked_devices or missing(device_id)",
    "card_id in blocked_cards and country not in watched_countries", "abs(lat) < 1 or lon < 0",
    "merchant_name == 'O\\'Brien \\\\ Sons' or city != 'Paris'", "not new_merchant",
]  # fmt: skip


@pytest.mark.integration
def test_each_backtest_reads_only_its_columns_and_agrees(logged) -> None:
    settings_, rows, txs, _, _ = logged
    with connect(settings_) as conn:
        for expression in ONE_BY_ONE:
            (result,) = run(conn, [fuzzed(expression)], START, end(), lists=LISTS).backtests
            assert set(result.window.features) == reads(expression).features
            assert set(result.window.texts) == reads(expression).texts | {"currency"}
            assert fired_backtest(result) == fired_live(rows, txs, fuzzed(expression)), expression
            assert result.hits.any(), expression  # each selects some payments


@pytest.mark.integration
def test_figures_match_the_logged_truth(logged) -> None:
    settings_, rows, txs, scores, labels = logged
    amount = list(FEATURE_NAMES).index("amount")
    hits = (rows[:, amount] > 5) & np.array([tx.country != "US" for tx in txs])
    draft = RuleDefinition(id="R01-IMPOSSIBLE-TRAVEL", version=9,
                           expression="amount > 5 and country != 'US'", action=Action.REVIEW,
                           reason="test", status=Status.DRAFT)  # fmt: skip
    with connect(settings_) as conn:
        done = run(conn, [draft], START, end())
        (result,) = done.backtests
        shown = examples(conn, result.window, result.hits, limit=5)
    figures = result.as_json()
    fraud, genuine = labels == 1, labels == 0
    assert figures["hits"] == hits.sum()
    assert figures["labelled_hits"] == (hits & (labels >= 0)).sum()
    assert figures["fraud_hits"] == (hits & fraud).sum()
    assert figures["precision"] == round((hits & fraud).sum() / (hits & (labels >= 0)).sum(), 6)
    assert figures["window"]["fraud"] == fraud.sum()
    caught = sum(tx.amount / {"EUR": 1.0, "USD": 1.17, "GBP": 0.86}[tx.currency]
                 for tx, h, f in zip(txs, hits, fraud, strict=True) if h and f)  # fmt: skip
    assert figures["fraud_amount_caught"] == round(caught, 2)
    assert figures["cards_hit"] == len({tx.card_id for tx, h in zip(txs, hits, strict=True) if h})
    genuine_cards = {tx.card_id for tx, h, g in zip(txs, hits, genuine, strict=True) if h and g}
    assert figures["genuine_cards_hit"] == len(genuine_cards)
    alert = np.float32(scores) >= np.float32(0.3)
    assert figures["overlap"]["model_alerts"] == (hits & alert).sum()
    ruled = np.arange(SIZE) % 5 == 0
    assert figures["live"]["fired"] == ruled.sum()
    assert figures["live"]["agreed"] == (hits & ruled).sum()
    assert figures["overlap"]["other_active_rules"] == 0  # only the rule itself was logged
    by_decision = {d.value: 0 for d in Decision}
    for tx_hit, s in zip(hits, scores, strict=True):
        if tx_hit:
            by_decision["block" if s >= 0.9 else "review" if s >= 0.3 else "approve"] += 1
    assert figures["by_decision"] == by_decision
    assert done.read_seconds > 0
    newest = sorted((tx for tx, h in zip(txs, hits, strict=True) if h),
                    key=lambda tx: tx.event_time, reverse=True)[:5]  # fmt: skip
    assert [e["transaction_id"] for e in shown] == [tx.transaction_id for tx in newest]


@pytest.mark.integration
def test_features_are_read_by_name_in_each_rows_own_feature_set(decision_log, make_row) -> None:
    older = ("amount", "new_merchant")  # a feature set of two, in its own order
    DecisionLogWriter(decision_log).write([
        make_row(features=[7.0, 1.0], feature_names=older),
        make_row(event_time=make_row().event_time + dt.timedelta(seconds=1)),
    ])  # fmt: skip
    start, stop = latest_window(decision_log, days=1)
    window = read_window(decision_log, start, stop, reads("amount > 0 and card_count_1h > 0"))
    order = np.argsort(window.event_time)
    assert window.features["amount"][order].tolist() == [7.0, 0.0]
    assert np.isnan(window.features["card_count_1h"][order][0])  # not in the older set


@pytest.mark.integration
def test_a_window_must_run_forwards_and_hold_decisions(decision_log) -> None:
    with pytest.raises(WindowError, match="no decision yet"):
        latest_window(decision_log)
    with pytest.raises(WindowError, match="before it starts"):
        read_window(decision_log, end(), START, reads("amount > 1"))


def copy_stream(*rows: bytes) -> bytes:
    return SIGNATURE + struct.pack(">ii", 0, 0) + b"".join(rows) + b"\xff\xff"


def test_the_copy_parser_reads_fixed_width_rows_and_refuses_anything_else() -> None:
    row = struct.pack(">hif", 1, 4, 2.5)
    parsed = parse_copy(copy_stream(row, row), ["real"])
    assert parsed["c0"].tolist() == [2.5, 2.5]
    assert len(parse_copy(copy_stream(), ["real"])) == 0
    null = struct.pack(">hi", 1, -1)
    with pytest.raises(ValueError, match="width"):
        parse_copy(copy_stream(row, null), ["real"])
    with pytest.raises(ValueError, match="not real"):
        parse_copy(copy_stream(struct.pack(">hii", 1, 3, 0)), ["real"])
    with pytest.raises(ValueError, match="not a binary COPY"):
        parse_copy(b"hello", ["real"])
