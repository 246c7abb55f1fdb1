"""Offline replay and the consumer's own online path give identical features.

The online side is the consumer's production code in this process: messages decoded by its
decoder, batches through ``TransactionPipeline`` (card and merchant state loaded and written by
the real Lua scripts in a real Redis, embedded ONNX scoring) and labels through ``LabelApplier``,
in the same event-time order ``replay()`` uses, labels arriving mid-stream.
"""

from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

import fraud_consumer.batch_write
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.decision_log import connect
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.features.definitions import SHOP_FRAUD_FEATURES
from fraudcore.features.payments import epoch_seconds
from fraudcore.live_stats import LiveTotals
from fraudcore.model import ModelBundle
from fraudcore.redis_scripts import FEATURE_STATE_LUA
from fraudcore.schemas import Label, Transaction
from fraudcore.scoring import verdicts

pytestmark = pytest.mark.integration
BATCH = 250  # payments per pipeline batch, as the consumer's batches are bounded


def labelled_world(days: int, customers: int) -> pd.DataFrame:
    """A simulated world whose labels arrive within hours, so plenty land inside the stream, in
    half-hourly files as chargebacks do (which also keeps the number of batches small)."""
    table = generate(DatasetSpec(days=days, customers=customers))
    delay = pd.to_timedelta(np.where(table["is_fraud"], 3_600, 7_200), unit="s")
    table["label_time"] = (table["event_time"] + delay).dt.ceil("30min")
    return table


def transactions_of(table: pd.DataFrame) -> list[Transaction]:
    records = table[list(Transaction.model_fields)].astype(object).where(table.notna(), None)
    return [Transaction.model_validate(row) for row in records.to_dict("records")]


def labels_of(table: pd.DataFrame) -> list[Label]:
    columns = zip(table["transaction_id"], table["is_fraud"], table["scenario"],
                  table["label_time"].dt.to_pydatetime(), strict=True)  # fmt: skip
    return [
        Label(transaction_id=tx_id, is_fraud=bool(fraud), scenario=scenario, labelled_at=at)
        for tx_id, fraud, scenario, at in columns
    ]


def online(
    consumer, table: pd.DataFrame, records_expire: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Features and scores as the consumer emits them (undefined features are left out of the
    records: NaN here), for every payment of ``table``. ``records_expire``: each payment's Redis
    record is gone once its batch is done, as it is long before a label days late arrives."""
    txs, labels = transactions_of(table), labels_of(table)
    event_t = [epoch_seconds(tx.event_time) for tx in txs]
    label_t = [epoch_seconds(label.labelled_at) for label in labels]
    # replay()'s timeline: labels before payments at equal instants, payments in table order.
    timeline = sorted([(t, 0, i) for i, t in enumerate(label_t)]
                      + [(t, 1, i) for i, t in enumerate(event_t)])  # fmt: skip
    row_of = {tx.transaction_id: i for i, tx in enumerate(txs)}
    features = np.full((len(txs), len(FEATURE_NAMES)), np.nan, dtype=np.float32)
    scores = np.full(len(txs), np.nan)
    payments: list[int] = []
    waiting: list[int] = []

    def score() -> None:
        result = consumer.score([txs[i] for i in payments])
        assert (result.new, result.duplicates) == (len(payments), 0)
        for output in result.outputs:
            record = orjson.loads(output.value)
            row = row_of[record["transaction"]["transaction_id"]]
            features[row] = [record["features"].get(name, np.nan) for name in FEATURE_NAMES]
            scores[row] = record["score"]
        if records_expire:
            keys = consumer.pipeline.keys
            consumer.pipeline.redis.delete(
                *(keys.transaction(txs[i].card_id, txs[i].transaction_id) for i in payments)
            )
        payments.clear()

    def label() -> None:
        still = consumer.apply_labels([(txs[i].card_id, labels[i]) for i in waiting])
        assert still == [], "every label's transaction was scored before it"
        waiting.clear()

    for _, kind, i in timeline:
        if kind == 0:
            if payments:
                score()
            waiting.append(i)
        else:
            if waiting:
                label()
            payments.append(i)
            if len(payments) == BATCH:
                score()
    if payments:
        score()
    if waiting:
        label()
    return features, scores


def test_consumer_pipeline_features_equal_offline_replay(
    inprocess_consumer_factory, model_dir: Path
) -> None:
    table = labelled_world(days=4, customers=1_500)
    assert len(table) >= 10_000
    offline = replay(table).astype(np.float32)  # what the model is given, online and offline
    consumer = inprocess_consumer_factory()

    features, scores = online(consumer, table)

    np.testing.assert_array_equal(features, offline)  # NaN == NaN here; every bit equal
    totals = LiveTotals.parse(consumer.pipeline.redis.hgetall(consumer.pipeline.keys.stats))
    assert totals.transactions == len(table)
    # Labels went through the consumer (once each) inside the compared stream.
    applied_before_last_payment = int((table["label_time"] < table["event_time"].max()).sum())
    assert totals.labels == len(table)
    assert applied_before_last_payment > 1_000
    expected = [v.score for v in verdicts(ModelBundle.load(model_dir), offline)]
    np.testing.assert_allclose(scores, np.clip(expected, 0.0, 1.0), rtol=0, atol=1e-6)


def test_features_equal_offline_replay_with_labels_days_late_through_the_decision_log(
    inprocess_consumer_factory, decision_log_factory
) -> None:
    table = generate(DatasetSpec(days=12, customers=400))
    # The simulator's own delays (frauds after a median of ~3.4 days, genuine ones after 7-8),
    # arriving in six-hourly files, which keeps the number of batches small.
    table["label_time"] = table["label_time"].dt.ceil("6h")
    in_stream = table["label_time"] < table["event_time"].max()
    assert in_stream.sum() > 1_000
    assert (table["label_time"] - table["event_time"])[in_stream].median() > pd.Timedelta(days=3)
    log = decision_log_factory()
    consumer = inprocess_consumer_factory(database_url=log.database_url)

    features, _ = online(consumer, table, records_expire=True)

    np.testing.assert_array_equal(features, replay(table).astype(np.float32))
    totals = LiveTotals.parse(consumer.pipeline.redis.hgetall(consumer.pipeline.keys.stats))
    assert (totals.transactions, totals.labels) == (len(table), len(table))
    with connect(log) as conn:
        assert conn.execute("SELECT count(*) FROM decision_labels").fetchone() == (len(table),)


def test_parity_fails_when_the_lua_writer_disagrees_with_replay(
    inprocess_consumer_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A planted bug in the Lua state writer: every merchant counter incremented by 1 whatever
    # the batch added (cents per day, and counts where a shop sold twice in one batch).
    source = FEATURE_STATE_LUA.read_text()
    correct = "merchant_fields(merchant, 'HINCRBY')"
    assert correct in source
    planted = source.replace(
        correct,
        "for _ = 1, tonumber(take()) do local f = take(); take(); "
        "redis.call('HINCRBY', merchant, f, 1) end",
    )
    monkeypatch.setattr(fraud_consumer.batch_write, "FEATURE_STATE_LUA", planted)
    table = labelled_world(days=2, customers=800)
    consumer = inprocess_consumer_factory()

    features, _ = online(consumer, table)

    offline = replay(table).astype(np.float32)
    differs = ~((features == offline) | (np.isnan(features) & np.isnan(offline)))
    changed = {FEATURE_NAMES[column] for column in np.flatnonzero(differs.any(axis=0))}
    merchant_columns = {name for name in FEATURE_NAMES if "merchant_" in name} - {"new_merchant"}
    # The card's spending scale is read against the merchant's log amounts, and so its runs and
    # which of the shops' frauds it explains.
    scale_columns = {"amount_vs_card_scale", "amount_scale_z"} | {
        "high_amounts_7d",
        "amount_excess_7d",
        *SHOP_FRAUD_FEATURES,
    }
    assert "amount_to_merchant_mean" in changed <= merchant_columns | scale_columns
    with pytest.raises(AssertionError):
        np.testing.assert_array_equal(features, offline)
