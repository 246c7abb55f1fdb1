"""Delayed ground truth: each label feeds its merchant's fraud history (by arrival time) and
the live precision/recall counters, exactly once; a label that arrives before its transaction
has been processed waits for it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import redis

from fraud_consumer.decoding import Decoded
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.records import Marker, parse_marker
from fraudcore.features import FeatureStore, MerchantState, apply_label, epoch_seconds
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Decision, Label

OUTCOMES = ("tp", "fp", "fn", "tn")


@dataclass
class Waiting:
    item: Decoded[Label]
    since: float = field(default_factory=time.monotonic)


def outcome(decision: Decision, is_fraud: bool) -> str:
    flagged = decision is not Decision.APPROVE
    return ("tp" if is_fraud else "fp") if flagged else ("fn" if is_fraud else "tn")


class LabelApplier:
    def __init__(
        self,
        client: redis.Redis[bytes],
        keys: RedisKeys,
        store: FeatureStore,
        metrics: ConsumerMetrics,
        result_ttl_s: int,
    ) -> None:
        self.redis, self.keys, self.store, self.metrics = client, keys, store, metrics
        self.result_ttl_s = result_ttl_s

    def _label_key(self, transaction_id: str) -> str:
        return f"{self.keys.prefix}label:{transaction_id}"

    def apply(self, waiting: list[Waiting]) -> list[Waiting]:
        """Apply what can be applied; return the labels still waiting for their transaction."""
        if not waiting:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for entry in waiting:
            tx_id = entry.item.event.transaction_id
            pipe.get(self.keys.transaction(tx_id))
            pipe.exists(self._label_key(tx_id))
        replies = pipe.execute()
        still: list[Waiting] = []
        merchants: dict[str, MerchantState] = {}
        counts = dict.fromkeys(OUTCOMES, 0)
        applied: list[tuple[Label, Marker]] = []
        for entry, stored, done in zip(waiting, replies[::2], replies[1::2], strict=True):
            label = entry.item.event
            if done or any(label.transaction_id == other.transaction_id for other, _ in applied):
                continue  # applied before (redelivery): never count twice
            if stored is None:
                still.append(entry)
                continue
            marker = parse_marker(stored)
            merchant = merchants.setdefault(marker.merchant_id, MerchantState())
            apply_label(merchant, epoch_seconds(label.labelled_at), label.is_fraud)
            if marker.decision is not None:  # history payments were not decided live
                counts[outcome(marker.decision, label.is_fraud)] += 1
            applied.append((label, marker))
        if applied:
            self._write(applied, merchants, counts)
        return still

    def _write(
        self,
        applied: list[tuple[Label, Marker]],
        merchants: dict[str, MerchantState],
        counts: dict[str, int],
    ) -> None:
        pipe = self.redis.pipeline(transaction=True)
        self.store.queue_writes(pipe, {}, merchants)
        for label, _ in applied:
            pipe.set(self._label_key(label.transaction_id), b"1", ex=self.result_ttl_s)
        fraud = sum(1 for label, _ in applied if label.is_fraud)
        pipe.hincrby(self.keys.stats, "labels", len(applied))
        pipe.hincrby(self.keys.stats, "labels:fraud", fraud)
        for name, count in counts.items():
            if count:
                pipe.hincrby(self.keys.stats, f"outcome:{name}", count)
        pipe.hmget(self.keys.stats, [f"outcome:{name}" for name in OUTCOMES])
        totals = dict(zip(OUTCOMES, (int(v or 0) for v in pipe.execute()[-1]), strict=True))
        m = self.metrics
        m.labels.labels(is_fraud="true").inc(fraud)
        m.labels.labels(is_fraud="false").inc(len(applied) - fraud)
        for name, count in counts.items():
            m.outcomes.labels(outcome=name).inc(count)
        if totals["tp"] + totals["fp"]:
            m.precision.set(totals["tp"] / (totals["tp"] + totals["fp"]))
        if totals["tp"] + totals["fn"]:
            m.recall.set(totals["tp"] / (totals["tp"] + totals["fn"]))
