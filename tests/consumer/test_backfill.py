"""The warm start against a real Redis: the state ``fraud-consumer backfill`` loads from a history
export is exactly the state offline replay holds at the history's cut-off, and live payments and
labels that follow get the features offline replay gives them."""

import gzip
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

from fraud_consumer.backfill import BackfillRefusedError, backfill
from fraud_consumer.records import parse_marker
from fraud_consumer.settings import BackfillSettings
from fraud_producer.history import write_world_history
from fraud_producer.world_feed import WorldSpec
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.feature_store import FeatureStore
from fraudcore.features import FEATURE_NAMES, CardState, replay, replay_state
from fraudcore.features.payments import epoch_seconds
from fraudcore.history import HistoryError
from fraudcore.redis_client import connect
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Label, Transaction

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
    _, stored_merchants = FeatureStore(client, keys).load([], merchants)
    for merchant_id, merchant in merchants.items():
        assert stored_merchants[merchant_id].buckets == merchant.buckets, merchant_id
    # Labels known by the cut-off are in the merchants' histories, frauds among them.
    assert sum(key.startswith("f") for m in merchants.values() for key in m.buckets) > 0

    # Exactly the payments labelled after the cut-off carry a marker, without a decision.
    owed = before[before["label_time"] >= cutoff]
    assert result.pending == len(owed) > 10_000
    markers = client.mget(
        [
            keys.transaction(c, t)
            for c, t in zip(owed["card_id"], owed["transaction_id"], strict=True)
        ]
    )
    parsed = [parse_marker(raw) for raw in markers]
    assert [m.merchant_id for m in parsed] == owed["merchant_id"].tolist()
    assert {m.decision for m in parsed} == {None}
    known = before[before["label_time"] < cutoff].head(100)
    marker_keys = [
        keys.transaction(c, t)
        for c, t in zip(known["card_id"], known["transaction_id"], strict=True)
    ]
    assert client.mget(marker_keys) == [None] * 100
    assert result.labels == len(before) - len(owed)


def test_live_traffic_after_the_warm_start_gets_the_features_of_offline_replay(
    world, redis_settings, inprocess_consumer_factory
) -> None:
    """The consumer's own pipeline after a warm start (as in the parity test): payments from the
    cut-off on, and every label at its arrival, the history's owed ones found by their markers."""
    table, history = world
    settings = settings_for(redis_settings)
    backfill(connect(settings), settings, history)
    consumer = inprocess_consumer_factory()  # the same Redis and key prefix

    cutoff_at = cutoff_of(table)
    table = table.copy()  # labels due after the cut-off arrive in half-hourly files, as
    late = table["label_time"] >= cutoff_at  # chargebacks do (fewer, bigger batches)
    table.loc[late, "label_time"] = table.loc[late, "label_time"].dt.ceil("30min")
    cutoff = epoch_seconds(cutoff_at.to_pydatetime())
    event_t = np.array([epoch_seconds(t) for t in table["event_time"].dt.to_pydatetime()])
    label_t = np.array([epoch_seconds(t) for t in table["label_time"].dt.to_pydatetime()])
    live = np.flatnonzero(event_t >= cutoff)
    owed = np.flatnonzero(label_t >= cutoff)
    # replay()'s order: labels before payments at equal instants, payments in table order.
    timeline = sorted([(label_t[i], 0, i) for i in owed] + [(event_t[i], 1, i) for i in live])
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    txs = {i: Transaction.model_validate({f: records[i][f] for f in Transaction.model_fields})
           for i in {*live, *owed}}  # fmt: skip
    row_of = {tx.transaction_id: i for i, tx in txs.items()}
    online = np.full((len(table), len(FEATURE_NAMES)), np.nan, dtype=np.float32)
    payments: list[int] = []
    waiting: list[tuple[str, Label]] = []

    def score() -> None:
        for output in consumer.score([txs[i] for i in payments]).outputs:
            record = orjson.loads(output.value)
            row = row_of[record["transaction"]["transaction_id"]]
            online[row] = [record["features"].get(name, np.nan) for name in FEATURE_NAMES]
        payments.clear()

    def label() -> None:
        assert consumer.apply_labels(waiting) == [], "every label's payment is known"
        waiting.clear()

    for _, kind, i in timeline:
        if kind == 1:
            if waiting:
                label()
            payments.append(i)
            if len(payments) == 250:
                score()
            continue
        if payments:
            score()
        at = table["label_time"].iloc[i].to_pydatetime()
        waiting.append((txs[i].card_id, Label(
            transaction_id=txs[i].transaction_id, is_fraud=bool(records[i]["is_fraud"]),
            scenario=records[i]["scenario"], labelled_at=at,
        )))  # fmt: skip
        if len(waiting) == 1_000:  # a poll's worth
            label()
    if payments:
        score()
    if waiting:
        label()

    offline = replay(table).astype(np.float32)
    assert len(live) > 6_000
    assert int((event_t[owed] < cutoff).sum()) > 10_000  # history payments labelled live
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
