"""Offline replay and the online path through a real Redis give identical features."""

import numpy as np
import pandas as pd
import pytest

from fraud_producer.dataset import DatasetSpec, generate
from fraudcore.features import FeatureStore, apply_label, features_and_update, replay
from fraudcore.features.payments import epoch_seconds, payment_of
from fraudcore.redis_client import connect
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Transaction

pytestmark = pytest.mark.integration


def transactions_of(table: pd.DataFrame) -> list[Transaction]:
    records = table[list(Transaction.model_fields)].astype(object).where(table.notna(), None)
    return [Transaction.model_validate(row) for row in records.to_dict("records")]


def test_online_features_through_redis_equal_offline_replay(redis_settings) -> None:
    # Short label delays so that plenty of labels land inside the stream.
    table = generate(DatasetSpec(days=4, customers=1_500))
    table["label_time"] = table["event_time"] + pd.to_timedelta(
        np.where(table["is_fraud"], 3_600, 7_200) + np.arange(len(table)) % 600, unit="s"
    )
    assert len(table) >= 10_000
    offline = replay(table)

    client = connect(redis_settings)
    store = FeatureStore(
        client, RedisKeys(redis_settings.redis_key_prefix), state_ttl_s=86_400 * 60
    )
    txs = transactions_of(table)
    label_t = [epoch_seconds(moment) for moment in table["label_time"].dt.to_pydatetime()]
    fraud = table["is_fraud"].tolist()
    event_t = [epoch_seconds(tx.event_time) for tx in txs]
    # The same timeline as replay(): labels before payments at equal instants.
    timeline = sorted(
        [(t, 0, i) for i, t in enumerate(label_t)] + [(t, 1, i) for i, t in enumerate(event_t)]
    )

    online = np.full_like(offline, np.nan)
    batch: list[int] = []
    labels_applied = 0

    def flush() -> None:
        cards, merchants = store.load(
            (txs[i].card_id for i in batch), (txs[i].merchant_id for i in batch)
        )
        for i in batch:
            online[i] = features_and_update(
                payment_of(txs[i]), cards[txs[i].card_id], merchants[txs[i].merchant_id]
            )
        pipe = client.pipeline(transaction=True)
        store.queue_writes(pipe, cards, merchants)
        pipe.execute()
        batch.clear()

    for _, kind, i in timeline:
        if kind == 1:
            batch.append(i)
            if len(batch) == 250:
                flush()
            continue
        if batch:
            flush()
        _, merchants = store.load([], [txs[i].merchant_id])
        apply_label(merchants[txs[i].merchant_id], label_t[i], bool(fraud[i]))
        pipe = client.pipeline(transaction=True)
        store.queue_writes(pipe, {}, merchants)
        pipe.execute()
        labels_applied += 1
    if batch:
        flush()

    assert labels_applied > 1_000
    np.testing.assert_array_equal(online, offline)  # NaN == NaN here; every bit equal
