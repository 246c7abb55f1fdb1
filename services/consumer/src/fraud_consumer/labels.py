"""Delayed ground truth: each label feeds its merchant's fraud history (by arrival time) and
the live precision/recall counters, exactly once; a label that arrives before its transaction
has been processed waits for it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from fraud_consumer.decoding import Decoded
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.records import Marker, parse_marker
from fraud_consumer.sink import consumer_script
from fraudcore import live_stats
from fraudcore.feature_store import FeatureStore
from fraudcore.features import MerchantState, apply_label, epoch_seconds
from fraudcore.redis_scripts import ScriptArgs
from fraudcore.schemas import Label


@dataclass
class Waiting:
    item: Decoded[Label]
    since: float = field(default_factory=time.monotonic)


class LabelApplier:
    def __init__(self, store: FeatureStore, metrics: ConsumerMetrics, result_ttl_s: int) -> None:
        self.store, self.redis, self.keys = store, store.client, store.keys
        self.metrics = metrics
        self.result_ttl_s = result_ttl_s
        self._write_script = consumer_script(self.redis, "stats.lua", "labels.lua")

    def apply(self, waiting: list[Waiting]) -> list[Waiting]:
        """Apply what can be applied; return the labels still waiting for their transaction."""
        if not waiting:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for entry in waiting:
            tx_id = entry.item.event.transaction_id
            pipe.get(self.keys.transaction(tx_id))
            pipe.exists(self.keys.label(tx_id))
        replies = pipe.execute()
        still: list[Waiting] = []
        merchants: dict[str, MerchantState] = {}
        applied: list[tuple[Label, Marker]] = []
        applied_ids: set[str] = set()
        for entry, stored, done in zip(waiting, replies[::2], replies[1::2], strict=True):
            label = entry.item.event
            if done or label.transaction_id in applied_ids:
                continue  # applied before (redelivery): never count twice
            if stored is None:
                still.append(entry)
                continue
            marker = parse_marker(stored)
            merchant = merchants.setdefault(marker.merchant_id, MerchantState())
            apply_label(merchant, epoch_seconds(label.labelled_at), label.is_fraud)
            applied.append((label, marker))
            applied_ids.add(label.transaction_id)
        if applied:
            self._write(applied, merchants)
        return still

    def _write(
        self, applied: list[tuple[Label, Marker]], merchants: dict[str, MerchantState]
    ) -> None:
        """Merchant history, label markers and statistics in one atomic script call."""
        cells = [
            (
                # A warm start's history payment was not decided live: a label, in no cell.
                None
                if marker.decision is None
                else live_stats.outcome(marker.decision, label.is_fraud),
                label.is_fraud,
            )
            for label, marker in applied
        ]
        call = ScriptArgs().key(self.keys.stats)
        state = self.store.add_write(call, {}, merchants)
        call.arg(self.result_ttl_s)
        call.counted_keys([self.keys.label(label.transaction_id) for label, _ in applied])
        call.pairs(live_stats.label_increments(cells).items())
        call.counted_args([live_stats.outcome_count(cell) for cell in live_stats.OUTCOMES])
        replies = call.run(self._write_script)
        state.done()
        totals = dict(zip(live_stats.OUTCOMES, (float(v or 0) for v in replies), strict=True))

        m = self.metrics
        fraud = sum(1 for _, is_fraud in cells if is_fraud)
        m.labels.labels(is_fraud="true").inc(fraud)
        m.labels.labels(is_fraud="false").inc(len(cells) - fraud)
        for cell, _ in cells:
            if cell is not None:
                m.outcomes.labels(outcome=cell).inc()
        precision, recall = live_stats.precision(totals), live_stats.recall(totals)
        if precision is not None:
            m.precision.set(precision)
        if recall is not None:
            m.recall.set(recall)
