"""The warm start against a real Redis: the state ``fraud-consumer backfill`` loads from a history
export is exactly the state offline replay holds at the history's cut-off, and live payments and
labels that follow get the features offline replay gives them."""

import gzip
import heapq
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraud_consumer.backfill import BackfillRefusedError, backfill
from fraud_consumer.records import parse_marker
from fraud_consumer.settings import BackfillSettings
from fraud_producer.dataset import DatasetSpec, generate
from fraud_producer.history import write_world_history
from fraud_producer.world_feed import WorldSpec
from fraudcore.features import (
    CardState,
    FeatureStore,
    MerchantState,
    apply_label,
    features_and_update,
    replay,
    replay_state,
)
from fraudcore.features.payments import epoch_seconds, payment_of
from fraudcore.history import HistoryError
from fraudcore.redis_client import connect
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Transaction

pytestmark = pytest.mark.integration
CUSTOMERS, HISTORY_DAYS, LIVE_DAYS = 1_500, 9, 2


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    """The same world twice: a dataset with every label, and its first days as a history."""
    table = generate(DatasetSpec(days=HISTORY_DAYS + LIVE_DAYS, customers=CUSTOMERS))
    history = tmp_path_factory.mktemp("history") / "history.jsonl.gz"
    write_world_history(WorldSpec(customers=CUSTOMERS, history_days=HISTORY_DAYS), history)
    return table, history


def settings_for(redis_settings) -> BackfillSettings:
    return BackfillSettings(**redis_settings.model_dump(), state_ttl_s=86_400, result_ttl_s=3_600)


def cutoff_of(table: pd.DataFrame) -> pd.Timestamp:
    return table["event_time"].iloc[0].normalize() + pd.Timedelta(days=HISTORY_DAYS)


def test_state_after_backfill_equals_offline_replay_at_the_cutoff(world, redis_settings) -> None:
    table, history = world
    settings = settings_for(redis_settings)
    client = connect(settings)
    result = backfill(client, settings, history)

    cutoff = cutoff_of(table)
    cards, merchants = replay_state(table, epoch_seconds(cutoff.to_pydatetime()))
    before = table[table["event_time"] < cutoff]
    assert result.rows == len(before) > 30_000
    assert (result.cards, result.merchants) == (len(cards), len(merchants))
    keys = RedisKeys(settings.redis_key_prefix)
    stored_cards = client.mget([keys.card(card_id) for card_id in cards])
    for (card_id, card), raw in zip(cards.items(), stored_cards, strict=True):
        assert CardState.from_bytes(raw) == card, card_id
    pipe = client.pipeline(transaction=False)
    for merchant_id in merchants:
        pipe.hgetall(keys.merchant(merchant_id))
    for (merchant_id, merchant), raw in zip(merchants.items(), pipe.execute(), strict=True):
        assert MerchantState.from_redis(raw).buckets == merchant.buckets, merchant_id
    # Labels known by the cut-off are in the merchants' histories, frauds among them.
    assert sum(key.startswith("f") for m in merchants.values() for key in m.buckets) > 0

    # Exactly the payments labelled after the cut-off carry a marker, without a decision.
    owed = before[before["label_time"] >= cutoff]
    assert result.pending == len(owed) > 10_000
    markers = client.mget([keys.transaction(tx_id) for tx_id in owed["transaction_id"]])
    parsed = [parse_marker(raw) for raw in markers]
    assert [m.merchant_id for m in parsed] == owed["merchant_id"].tolist()
    assert {m.decision for m in parsed} == {None}
    known = before[before["label_time"] < cutoff]["transaction_id"].head(100)
    assert client.mget([keys.transaction(tx_id) for tx_id in known]) == [None] * 100
    assert result.labels == len(before) - len(owed)


def test_live_traffic_after_the_warm_start_gets_the_features_of_offline_replay(
    world, redis_settings
) -> None:
    """What the consumer does after a warm start (the parity test's online path): payments
    from the cut-off on, and every label at its arrival, the history's owed ones found by
    their markers."""
    table, history = world
    settings = settings_for(redis_settings)
    client = connect(settings)
    backfill(client, settings, history)
    keys = RedisKeys(settings.redis_key_prefix)
    store = FeatureStore(client, keys, state_ttl_s=86_400)

    cutoff = epoch_seconds(cutoff_of(table).to_pydatetime())
    event_t = np.array([epoch_seconds(t) for t in table["event_time"].dt.to_pydatetime()])
    label_t = np.array([epoch_seconds(t) for t in table["label_time"].dt.to_pydatetime()])
    live = np.flatnonzero(event_t >= cutoff)
    labels = np.flatnonzero(label_t >= cutoff)
    timeline = [(label_t[i], 0, i) for i in labels] + [(event_t[i], 1, i) for i in live]
    heapq.heapify(timeline)
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    fields = list(Transaction.model_fields)
    online = np.full((len(table), len(replay(table.head(1))[0])), np.nan)
    while timeline:
        _, kind, i = heapq.heappop(timeline)
        tx = Transaction.model_validate({name: records[i][name] for name in fields})
        if kind == 0:
            marker = client.get(keys.transaction(tx.transaction_id))
            merchant_id = (
                parse_marker(marker).merchant_id if event_t[i] < cutoff else tx.merchant_id
            )
            _, merchants = store.load([], [merchant_id])
            apply_label(merchants[merchant_id], float(label_t[i]), bool(records[i]["is_fraud"]))
            pipe = client.pipeline(transaction=True)
            store.queue_writes(pipe, {}, merchants)
            pipe.execute()
            continue
        cards, merchants = store.load([tx.card_id], [tx.merchant_id])
        online[i] = features_and_update(
            payment_of(tx), cards[tx.card_id], merchants[tx.merchant_id]
        )
        pipe = client.pipeline(transaction=True)
        store.queue_writes(pipe, cards, merchants)
        pipe.execute()

    offline = replay(table)
    assert len(live) > 6_000
    np.testing.assert_array_equal(online[live], offline[live])


def test_a_second_run_is_skipped_and_other_state_is_not_overwritten(
    world, redis_settings, tmp_path
) -> None:
    table, history = world
    settings = settings_for(redis_settings)
    client = connect(settings)
    cache = tmp_path / "cache"
    first = backfill(client, settings, history, cache_dir=cache)
    assert not first.skipped
    assert not first.cached
    assert backfill(client, settings, history, cache_dir=cache).skipped
    # The cached state loads into another prefix without a replay, and equals the first.
    other = settings.model_copy(update={"redis_key_prefix": f"{settings.redis_key_prefix}b:"})
    again = backfill(client, other, history, cache_dir=cache)
    assert again.cached
    assert (again.rows, again.pending) == (first.rows, first.pending)
    card_id = table["card_id"].iloc[0]
    assert client.get(RedisKeys(other.redis_key_prefix).card(card_id)) == client.get(
        RedisKeys(settings.redis_key_prefix).card(card_id)
    )

    shorter = tmp_path / "shorter.jsonl"
    write_world_history(WorldSpec(customers=CUSTOMERS, history_days=2), shorter)
    with pytest.raises(BackfillRefusedError, match="another history"):
        backfill(client, settings, shorter)
    assert backfill(client, settings, shorter, force=True).rows < first.rows


def test_a_truncated_history_writes_nothing(world, redis_settings, tmp_path) -> None:
    _, history = world
    lines = gzip.decompress(history.read_bytes()).splitlines()
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"\n".join(lines[:-5]) + b"\n")
    settings = settings_for(redis_settings)
    client = connect(settings)
    with pytest.raises(HistoryError, match="promises"):
        backfill(client, settings, cut)
    assert client.keys(f"{settings.redis_key_prefix}*") == []
