"""The consumer's Redis traffic per batch: one script call to load, one to write. Packing a few
large commands instead of ten small ones per transaction is what lets one Python process keep
up with thousands of payments a second. Feature state goes through fraudcore's store sections,
so its layout lives once. On a Redis Cluster the same work goes as one call per hash slot
(``cluster_sink``)."""

from __future__ import annotations

from collections.abc import Sequence

from fraud_consumer.batch_write import BatchWrite, Loaded, WrittenMeanwhileError, consumer_script
from fraud_consumer.cluster_sink import ClusterWriter
from fraudcore.feature_store import FeatureStore
from fraudcore.redis_scripts import ScriptArgs

__all__ = ["BatchWrite", "Loaded", "RedisSink", "WrittenMeanwhileError", "consumer_script"]


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
        self._sink = consumer_script(self.client, "stats.lua", "live.lua", "sink.lua")
        self.cluster = (
            ClusterWriter(store, record_ttl_s, batch_ttl_s, self.maxlens) if store.cluster else None
        )

    def load(
        self, card_ids: Sequence[str], merchant_ids: Sequence[str], tx_ids: Sequence[str]
    ) -> Loaded:
        if self.cluster is not None:
            self.cluster.finish()  # a write cut short by an error completes before anything
        markers = [self.keys.transaction(c, t) for c, t in zip(card_ids, tx_ids, strict=True)]
        cards, merchants, found = self.store.load_with(card_ids, merchant_ids, markers)
        return Loaded(cards, merchants, found)

    def write(self, batch: BatchWrite) -> None:
        if self.cluster is not None:
            self.cluster.write(batch)
            return
        k = self.keys
        call = ScriptArgs().key(k.recent, k.alerts, k.stats, k.model)
        call.arg(self.record_ttl_s, self.batch_ttl_s)
        marker_keys = [k.transaction(card, tx) for card, tx, _ in batch.markers]
        call.counted_keys(marker_keys)  # the guard
        call.key(batch.batch_key).arg(batch.batch_json)
        state = self.store.add_write(call, batch.cards, batch.merchants)
        call.arg(len(batch.markers))
        for key, (_, _, marker) in zip(marker_keys, batch.markers, strict=True):
            call.key(key).arg(marker)
        batch.add_live(call, self.maxlens)
        if call.run(self._sink) == 0:
            raise WrittenMeanwhileError("another consumer wrote some of this batch: redoing it")
        state.done()

    def forget_batches(self, batch_keys: Sequence[str]) -> None:
        """Full records are kept only until Kafka has them; markers stay for deduplication."""
        if batch_keys:
            self.client.delete(*batch_keys)

    def batch_records(self, batch_key: str) -> bytes | None:
        return self.client.get(batch_key)
