"""The consumer's Redis traffic per batch: one script call to load, one to write. Packing a few
large commands instead of ten small ones per transaction is what lets one Python process keep
up with thousands of payments a second. Feature state goes through fraudcore's store sections,
so its layout lives once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import redis

from fraudcore.feature_store import Cards, FeatureStore, Merchants
from fraudcore.live_stats import MODEL_VERSION
from fraudcore.live_streams import STREAM_FIELD
from fraudcore.redis_scripts import FEATURE_STATE_LUA, ScriptArgs, register


class WrittenMeanwhileError(redis.RedisError):
    """A Redis error to the loop: the batch is retried, and its payments are then recognised."""


def consumer_script(client: redis.Redis[bytes], *names: str) -> Any:
    """Feature-state functions, then these Lua files of ours (``lua/``), as one script."""
    lua = resources.files("fraud_consumer").joinpath("lua")
    return register(client, FEATURE_STATE_LUA, *(lua.joinpath(name) for name in names))


@dataclass
class Loaded:
    cards: Cards
    merchants: Merchants
    markers: list[bytes | None]  # per transaction, in batch order


@dataclass
class BatchWrite:
    """What one batch writes; ``RedisSink.write`` sends it as one atomic script call."""

    batch_key: str
    batch_json: bytes
    model_version: str
    cards: Cards = field(default_factory=dict)
    merchants: Merchants = field(default_factory=dict)
    markers: list[tuple[str, bytes]] = field(default_factory=list)
    points: list[bytes] = field(default_factory=list)
    alerts: list[bytes] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)


class RedisSink:
    def __init__(
        self,
        store: FeatureStore,
        *,
        record_ttl_s: int,
        batch_ttl_s: int,
        recent_maxlen: int,
        alert_maxlen: int,
    ) -> None:
        self.store, self.client, self.keys = store, store.client, store.keys
        self.record_ttl_s, self.batch_ttl_s = record_ttl_s, batch_ttl_s
        self.maxlens = (recent_maxlen, alert_maxlen)
        self._load = consumer_script(self.client, "load.lua")
        self._sink = consumer_script(self.client, "stats.lua", "sink.lua")

    def load(
        self, card_ids: Sequence[str], merchant_ids: Sequence[str], tx_ids: Sequence[str]
    ) -> Loaded:
        call = ScriptArgs()
        read = self.store.add_read(call, card_ids, merchant_ids)
        call.counted_keys([self.keys.transaction(t) for t in tx_ids])
        card_raw, merchant_raw, markers = call.run(self._load)
        cards, merchants = read.parse(card_raw, merchant_raw)
        return Loaded(cards, merchants, list(markers))

    def write(self, batch: BatchWrite) -> None:
        k = self.keys
        call = ScriptArgs().key(k.recent, k.alerts, k.stats, k.model)
        call.arg(self.record_ttl_s, *self.maxlens, STREAM_FIELD, self.batch_ttl_s)
        call.counted_keys([k.transaction(tx_id) for tx_id, _ in batch.markers])  # the guard
        call.key(batch.batch_key).arg(batch.batch_json)
        state = self.store.add_write(call, batch.cards, batch.merchants)
        call.arg(len(batch.markers))
        for tx_id, marker in batch.markers:
            call.key(k.transaction(tx_id)).arg(marker)
        call.counted_args(batch.points).counted_args(batch.alerts)
        call.pairs(batch.stats.items()).arg(MODEL_VERSION, batch.model_version)
        if call.run(self._sink) == 0:
            raise WrittenMeanwhileError("another consumer wrote some of this batch: redoing it")
        state.done()

    def forget_batches(self, batch_keys: Sequence[str]) -> None:
        """Full records are kept only until Kafka has them; markers stay for deduplication."""
        if batch_keys:
            self.client.delete(*batch_keys)

    def batch_records(self, batch_key: str) -> bytes | None:
        return self.client.get(batch_key)
