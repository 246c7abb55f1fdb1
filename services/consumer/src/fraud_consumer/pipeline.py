"""One batch of transactions: dedupe, features from Redis state, scores, and one atomic Redis
write of state, markers, streams and statistics, with the decision log written alongside (and
settled before the batch's offsets are committed: ``DecisionSink``)."""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fraud_consumer.decision_sink import (
    DecisionSink,
    challengers,
    decision_row,
    with_challenger,
    with_rule_versions,
)
from fraud_consumer.decoding import Decoded
from fraud_consumer.drift_monitor import DriftMonitor
from fraud_consumer.guard import AlertRateGuard
from fraud_consumer.live_rules import rule_source
from fraud_consumer.metrics import ConsumerMetrics, observe_all
from fraud_consumer.records import Scored, defined_features, parse_marker, records_of_batch
from fraud_consumer.rule_decisions import RuleDecider
from fraud_consumer.scorers import Scorer, Shadow
from fraud_consumer.settings import ConsumerSettings
from fraud_consumer.sink import BatchWrite, RedisSink
from fraudcore import live_stats
from fraudcore.decision_log.float4_array import encode_rows
from fraudcore.feature_store import FeatureStore
from fraudcore.features import CARD_EXCESS_COLUMN, FEATURE_NAMES, features_and_update, payment_of
from fraudcore.model_card import Thresholds
from fraudcore.redis_client import RedisClient
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Decision, Transaction, format_time, utcnow

_MS = 1e-6  # nanoseconds to milliseconds
BATCH_TTL_S = 900  # a crashed consumer's successor re-emits well within this


@dataclass(frozen=True)
class Output:
    """A scored record to send to Kafka."""

    key: bytes
    value: bytes
    decision: Decision
    rules: list[str]


@dataclass
class BatchResult:
    outputs: list[Output] = field(default_factory=list)  # new ones and re-emitted ones
    new: int = 0
    duplicates: int = 0
    batch_key: str | None = None  # the recovery copy to drop once Kafka has the outputs
    latencies_ms: list[float] = field(default_factory=list)
    logged: int = 0  # rows new in the decision log, written in this call (recoveries)


class TransactionPipeline:
    def __init__(
        self,
        settings: ConsumerSettings,
        client: RedisClient,
        scorer: Scorer,
        metrics: ConsumerMetrics,
        decisions: DecisionSink | None = None,
    ) -> None:
        self.settings = settings
        self.decisions = decisions
        self.redis = client
        self.keys = RedisKeys(settings.redis_key_prefix)
        self.store = FeatureStore(client, self.keys, settings.state_ttl_s)
        self.sink = RedisSink(
            self.store,
            record_ttl_s=settings.result_ttl_s,
            batch_ttl_s=min(BATCH_TTL_S, settings.result_ttl_s),
            recent_maxlen=settings.recent_stream_maxlen,
            alert_maxlen=settings.alert_stream_maxlen,
        )
        self.scorer = scorer
        self.metrics = metrics
        self.guard = AlertRateGuard(metrics, scorer.card_reference)
        self.drift = DriftMonitor(metrics, scorer.drift_reference, settings.drift_window_payments)
        self.rules = RuleDecider(rule_source(settings.database(), settings.rules_poll_s), metrics)
        self.mode = settings.scoring_mode.value
        # Per-payment observations go to these children directly (no label lookup each time).
        self._end_to_end = metrics.end_to_end.labels(scoring_mode=self.mode)
        self._kafka_stage = metrics.stage.labels(stage="kafka")
        self._stages: dict[str, Any] = {}  # stage -> its histogram child
        self._decisions = {d.value: metrics.decisions.labels(decision=d.value) for d in Decision}
        self._info_version: str | None = None  # the model_info last exported

    def _classify(
        self, batch: list[Decoded[Transaction]], markers: list[bytes | None]
    ) -> tuple[list[Decoded[Transaction]], BatchResult, dict[str, bytes]]:
        """New transactions to score; redeliveries (recorded from this very message) whose Kafka
        copies may never have left to re-emit, and to log again (by id); duplicates (same id
        from another message, or twice in the batch) to skip."""
        fresh, result, seen = [], BatchResult(), set()
        recovered: dict[str, bytes] = {}
        for item, raw in zip(batch, markers, strict=True):
            tx_id = item.event.transaction_id
            if raw is None and tx_id not in seen:
                seen.add(tx_id)
                fresh.append(item)
                continue
            if raw is not None:
                marker = parse_marker(raw)
                if (marker.source_partition, marker.source_offset) == (
                    item.message.partition(),
                    item.message.offset(),
                ):
                    copy = self.sink.batch_records(marker.batch)
                    record = records_of_batch(copy, tx_id) if copy else None
                    # Written before a crash, maybe never sent (history markers have no copy).
                    if record is not None and marker.decision is not None:
                        key = item.event.card_id.encode()
                        result.outputs.append(Output(key, record, marker.decision, []))
                        recovered[tx_id] = record
                    continue
            result.duplicates += 1
        return fresh, result, recovered

    def _relog(self, recovered: dict[str, bytes]) -> int:
        """Rows of a batch that reached Redis but maybe not the log (a failed log write, or a
        consumer stopped in between): this process's own rows are logged first, from memory
        (``settle``), then the batch's recovery copy adds those this process has not logged
        (another's, or older than it remembers), which the log keeps once."""
        if self.decisions is None or not recovered:
            return 0
        new = self.decisions.settle()
        unsure = self.decisions.unsettled(recovered)
        if not unsure:
            return new
        records = [recovered[tx_id] for tx_id in unsure]
        copies = self.decisions.rows_of_records(records, self.scorer.thresholds)
        copies = with_rule_versions(copies, self.rules.source.current().rules.active_versions)
        return new + self.decisions.write(with_challenger(copies, self.scorer.shadow))

    def process(
        self, batch: list[Decoded[Transaction]], polled_ns: int, decode_ms: float
    ) -> BatchResult:
        self.scorer.switch()  # at a batch boundary: one champion decides the whole batch
        started = time.perf_counter_ns()
        txs = [item.event for item in batch]
        loaded = self.sink.load(
            [tx.card_id for tx in txs],
            [tx.merchant_id for tx in txs],
            [tx.transaction_id for tx in txs],
        )
        fresh, result, recovered = self._classify(batch, loaded.markers)
        result.logged = self._relog(recovered)
        if not fresh:
            return result
        rows = [
            features_and_update(
                payment_of(i.event),
                loaded.cards[i.event.card_id],
                loaded.merchants[i.event.merchant_id],
            )
            for i in fresh
        ]
        matrix = np.array(rows, dtype=np.float32).reshape(len(fresh), len(FEATURE_NAMES))
        features_done = time.perf_counter_ns()
        verdicts, model_version = self.scorer.score(matrix)
        in_force = self._thresholds(model_version)
        verdicts, hits = self.rules.decide(
            verdicts,
            in_force,
            matrix,
            [i.event for i in fresh],
            lambda rows: self.scorer.explain(rows, model_version),
        )
        scoring_done = time.perf_counter_ns()
        shadow = self.scorer.shadow(matrix)  # the challenger's: logged, never acted on
        shadow_done = time.perf_counter_ns()
        features_ms, scoring_ms = (
            (features_done - started) * _MS,
            (scoring_done - features_done) * _MS,
        )

        decided_at = utcnow()
        scored_at = format_time(decided_at)
        scored = [
            Scored(
                i.event,
                i.event.to_json(),
                defined_features(row),
                verdict,
                model_version,
                scored_at,
                i.message.partition() or 0,
                i.message.offset() or 0,
                rule_hits,
                row[CARD_EXCESS_COLUMN],
            )
            for i, row, verdict, rule_hits in zip(
                fresh, matrix.tolist(), verdicts, hits, strict=True
            )
        ]
        batch_key = self.keys.batch(f"{fresh[0].message.partition()}-{fresh[0].message.offset()}")

        def timings(item: Decoded[Transaction], now_ns: int, sinks_ms: float) -> dict[str, float]:
            return {
                "kafka_ms": max(0.0, (polled_ns - item.produced_at_ns) * _MS),
                "decode_ms": decode_ms,
                "features_ms": features_ms,
                "scoring_ms": scoring_ms,
                "sinks_ms": sinks_ms,
                "end_to_end_ms": (now_ns - item.produced_at_ns) * _MS,
            }

        now_ns = time.time_ns()
        logs = self.decisions is not None  # the markers say so: late labels wait for the rows
        decided = [timings(i, now_ns, 0.0) for i in fresh]  # the log's: up to the decision
        parts = [s.record_parts() for s in scored]
        provisional = [p.with_timings(t) for p, t in zip(parts, decided, strict=True)]
        if self.decisions is not None:
            # Beside Redis and the batches after this one; settled before its offsets commit:
            # a retry either recomputes the same rows from unchanged Redis state or re-logs
            # them in _relog.
            thresholds = self.decisions.thresholds(model_version, self.scorer.thresholds)
            self.decisions.write_soon(
                [
                    decision_row(s, row, thresholds, t, decided_at, challenger=challenger)
                    for s, row, t, challenger in zip(
                        scored,
                        encode_rows(matrix),
                        decided,
                        challengers(shadow, len(scored)),
                        strict=True,
                    )
                ],
            )
        write = BatchWrite(
            batch_key=batch_key,
            batch_json=b"[" + b",".join(provisional) + b"]",
            model_version=model_version,
            cards=loaded.cards,
            merchants=loaded.merchants,
            markers=[
                (s.tx.card_id, s.tx.transaction_id, s.marker(batch_key, logged=logs))
                for s in scored
            ],
            points=[
                s.map_point((now_ns - i.produced_at_ns) * _MS)
                for i, s in zip(fresh, scored, strict=True)
            ],
            alerts=[
                record
                for s, record in zip(scored, provisional, strict=True)
                if s.verdict.decision is not Decision.APPROVE
            ],
            stats=live_stats.scored_increments(
                (s.verdict.decision, s.tx.amount, s.tx.currency) for s in scored
            ),
        )
        self.sink.write(write)
        written_ns = time.time_ns()
        sinks_ms = (time.perf_counter_ns() - shadow_done) * _MS
        finals = [timings(item, written_ns, sinks_ms) for item in fresh]
        result.latencies_ms = [final["end_to_end_ms"] for final in finals]
        result.outputs += [
            Output(s.tx.card_id.encode(), p.with_timings(t), s.verdict.decision, s.verdict.rules)
            for s, p, t in zip(scored, parts, finals, strict=True)
        ]
        observe_all(self._kafka_stage, [final["kafka_ms"] / 1000 for final in finals])
        result.new, result.batch_key = len(scored), batch_key
        stages = {
            "decode": decode_ms,
            "features": features_ms,
            "scoring": scoring_ms,
            "sinks": sinks_ms,
        }
        if shadow is not None:
            stages["shadow"] = (shadow_done - scoring_done) * _MS
        self._observe(scored, result.latencies_ms, stages, model_version, shadow)
        self.drift.observe(matrix, [s.verdict.score for s in scored], model_version)
        return result

    def _thresholds(self, model_version: str) -> Thresholds:
        """The version's thresholds, as the log records them (NaN: unknown)."""
        if self.decisions is not None:
            return self.decisions.thresholds(model_version, self.scorer.thresholds)
        found = self.scorer.thresholds(model_version)
        return found or Thresholds.model_construct(review=math.nan, block=math.nan)

    def close(self) -> None:
        self.rules.source.close()

    def _observe(
        self,
        scored: list[Scored],
        latencies_ms: list[float],
        stages: dict[str, float],
        model_version: str,
        shadow: Shadow | None,
    ) -> None:
        m = self.metrics
        m.observe_models(
            model_version, [s.verdict.decision for s in scored],
            None if shadow is None else shadow.model_version,
            [] if shadow is None else [v.decision for v in shadow.verdicts],
        )  # fmt: skip
        observe_all(self._end_to_end, [e2e_ms / 1000 for e2e_ms in latencies_ms])
        for decision, count in Counter(s.verdict.decision.value for s in scored).items():
            self._decisions[decision].inc(count)
        for s in scored:
            for rule in s.verdict.rules:
                m.rules.labels(rule=rule).inc()
        for stage, value in stages.items():
            child = self._stages.get(stage)
            if child is None:
                child = self._stages[stage] = m.stage.labels(stage=stage)
            child.observe(value / 1000)
        m.transactions.inc(len(scored))
        self.guard.observe([s.verdict.score for s in scored], model_version)
        if model_version != self._info_version:  # the same value every batch until a switch
            self._info_version = model_version
            m.model_info.info({"version": model_version, "features": str(len(FEATURE_NAMES))})
