"""One batch of transactions: dedupe, features from Redis state, scores, and one atomic Redis
write of state, records, streams and statistics."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import redis

from fraud_consumer.decoding import Decoded
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.records import map_point, parse_stored
from fraud_consumer.scorers import Scorer
from fraud_consumer.settings import ConsumerSettings
from fraudcore.features import (
    FEATURE_NAMES,
    CardState,
    FeatureStore,
    MerchantState,
    features_and_update,
    payment_of,
)
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Decision, ScoredTransaction, Timings, Transaction, utcnow
from fraudcore.scoring import Verdict

_MS = 1e-6  # nanoseconds to milliseconds


@dataclass
class BatchResult:
    scored: list[ScoredTransaction] = field(default_factory=list)  # new: emit and count
    reemit: list[ScoredTransaction] = field(default_factory=list)  # redelivered: emit again
    duplicates: int = 0
    latencies_ms: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class _Stages:
    polled_ns: int
    decode_ms: float
    features_ms: float = 0.0
    scoring_ms: float = 0.0


class TransactionPipeline:
    def __init__(
        self,
        settings: ConsumerSettings,
        client: redis.Redis[bytes],
        scorer: Scorer,
        metrics: ConsumerMetrics,
    ) -> None:
        self.settings = settings
        self.redis = client
        self.keys = RedisKeys(settings.redis_key_prefix)
        self.store = FeatureStore(client, self.keys, settings.state_ttl_s)
        self.scorer = scorer
        self.metrics = metrics
        self.mode = settings.scoring_mode.value

    def _classify(
        self, batch: list[Decoded[Transaction]], stored: list[bytes | None]
    ) -> tuple[list[Decoded[Transaction]], BatchResult]:
        """New transactions to score; redeliveries (stored from this very message) to re-emit;
        duplicates (same id from another message, or twice in the batch) to skip."""
        fresh, result, seen = [], BatchResult(), set()
        for item, raw in zip(batch, stored, strict=True):
            tx_id = item.event.transaction_id
            if raw is None and tx_id not in seen:
                seen.add(tx_id)
                fresh.append(item)
                continue
            if raw is not None:
                marker, full = parse_stored(raw)
                same_message = (marker.source_partition, marker.source_offset) == (
                    item.message.partition(),
                    item.message.offset(),
                )
                if same_message and full is not None:
                    result.reemit.append(full)  # written before a crash, maybe never sent
                    continue
                if same_message:
                    continue  # written and acknowledged before: nothing left to do
            result.duplicates += 1
        return fresh, result

    def process(
        self, batch: list[Decoded[Transaction]], polled_ns: int, decode_ms: float
    ) -> BatchResult:
        started = time.perf_counter_ns()
        txs = [item.event for item in batch]
        pipe = self.redis.pipeline(transaction=False)
        plan = self.store.queue_load(
            pipe, (tx.card_id for tx in txs), (tx.merchant_id for tx in txs)
        )
        for tx in txs:
            pipe.get(self.keys.transaction(tx.transaction_id))
        replies = pipe.execute()
        cards, merchants = plan.parse(replies)
        fresh, result = self._classify(batch, replies[plan.size :])
        if not fresh:
            return result

        rows = np.array(
            [
                features_and_update(
                    payment_of(i.event), cards[i.event.card_id], merchants[i.event.merchant_id]
                )
                for i in fresh
            ],
            dtype=np.float32,
        ).reshape(len(fresh), len(FEATURE_NAMES))
        features_done = time.perf_counter_ns()
        verdicts, model_version = self.scorer.score(rows)
        scoring_done = time.perf_counter_ns()
        stages = _Stages(
            polled_ns,
            decode_ms,
            (features_done - started) * _MS,
            (scoring_done - features_done) * _MS,
        )
        records = self._records(fresh, rows, verdicts, model_version, stages)
        self._write(cards, merchants, records)
        written_ns = time.time_ns()
        sinks_ms = (time.perf_counter_ns() - scoring_done) * _MS
        for item, record in zip(fresh, records, strict=True):
            e2e_ms = (written_ns - item.produced_at_ns) * _MS
            result.latencies_ms.append(e2e_ms)
            timings = record.timings.model_copy(
                update={"sinks_ms": sinks_ms, "end_to_end_ms": e2e_ms}
            )
            result.scored.append(record.model_copy(update={"timings": timings}))
        self._observe(result, stages, sinks_ms, model_version)
        return result

    def _records(
        self,
        fresh: list[Decoded[Transaction]],
        rows: npt.NDArray[np.float32],
        verdicts: list[Verdict],
        model_version: str,
        stages: _Stages,
    ) -> list[ScoredTransaction]:
        scored_at = utcnow()
        records = []
        for item, row, verdict in zip(fresh, rows.tolist(), verdicts, strict=True):
            kafka_ms = max(0.0, (stages.polled_ns - item.produced_at_ns) * _MS)
            records.append(
                ScoredTransaction(
                    transaction=item.event,
                    features={
                        name: value
                        for name, value in zip(FEATURE_NAMES, row, strict=True)
                        if not math.isnan(value)
                    },
                    score=min(max(verdict.score, 0.0), 1.0),
                    decision=verdict.decision,
                    reasons=verdict.reasons,
                    rules=verdict.rules,
                    model_version=model_version,
                    scored_at=scored_at,
                    timings=Timings(
                        kafka_ms=kafka_ms,
                        decode_ms=stages.decode_ms,
                        features_ms=stages.features_ms,
                        scoring_ms=stages.scoring_ms,
                        end_to_end_ms=(time.time_ns() - item.produced_at_ns) * _MS,
                    ),
                    source_partition=item.message.partition(),
                    source_offset=item.message.offset(),
                )
            )
        return records

    def _write(
        self,
        cards: dict[str, CardState],
        merchants: dict[str, MerchantState],
        records: list[ScoredTransaction],
    ) -> None:
        """State, records, streams and statistics in one MULTI/EXEC: all of it or none."""
        ttl = self.settings.result_ttl_s
        pipe = self.redis.pipeline(transaction=True)
        self.store.queue_writes(pipe, cards, merchants)
        decisions: Counter[str] = Counter()
        amounts: dict[str, float] = {}
        for record in records:
            pipe.set(
                self.keys.transaction(record.transaction.transaction_id), record.to_json(), ex=ttl
            )
            pipe.xadd(
                self.keys.recent,
                {"d": map_point(record)},
                maxlen=self.settings.recent_stream_maxlen,
                approximate=True,
            )
            if record.decision is not Decision.APPROVE:
                pipe.xadd(
                    self.keys.alerts,
                    {"d": record.to_json()},
                    maxlen=self.settings.alert_stream_maxlen,
                    approximate=True,
                )
            decisions[record.decision.value] += 1
            amounts[record.decision.value] = (
                amounts.get(record.decision.value, 0.0) + record.transaction.amount
            )
        pipe.hincrby(self.keys.stats, "transactions", len(records))
        for decision, count in decisions.items():
            pipe.hincrby(self.keys.stats, f"decision:{decision}", count)
            pipe.hincrbyfloat(self.keys.stats, f"amount:{decision}", round(amounts[decision], 2))
        pipe.hset(self.keys.model, mapping={"version": records[0].model_version})
        pipe.execute()

    def _observe(
        self, result: BatchResult, stages: _Stages, sinks_ms: float, model_version: str
    ) -> None:
        m = self.metrics
        for record, e2e_ms in zip(result.scored, result.latencies_ms, strict=True):
            m.end_to_end.labels(scoring_mode=self.mode).observe(e2e_ms / 1000)
            m.stage.labels(stage="kafka").observe(record.timings.kafka_ms / 1000)
            m.decisions.labels(decision=record.decision.value).inc()
            for rule in record.rules:
                m.rules.labels(rule=rule).inc()
        for stage, value in (("decode", stages.decode_ms), ("features", stages.features_ms),
                             ("scoring", stages.scoring_ms), ("sinks", sinks_ms)):  # fmt: skip
            m.stage.labels(stage=stage).observe(value / 1000)
        m.transactions.inc(len(result.scored))
        m.model_info.info({"version": model_version, "features": str(len(FEATURE_NAMES))})
