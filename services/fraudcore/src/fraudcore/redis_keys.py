"""Every Redis key the platform writes or reads, under one configurable prefix. What the values
hold: ``fraudcore.feature_store`` (card and merchant state), ``fraudcore.live_stats`` (statistics
and latency) and ``fraudcore.live_streams`` (map points and alerts)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RedisKeys:
    prefix: str = "fraud:"

    def card(self, card_id: str) -> str:
        """Card feature state (one value; single writer: the consumer owning the partition)."""
        return f"{self.prefix}card:{card_id}"

    def merchant(self, merchant_id: str) -> str:
        """Merchant feature state (hash of bucketed counters; many writers, increments only)."""
        return f"{self.prefix}merchant:{merchant_id}"

    def transaction(self, transaction_id: str) -> str:
        """The scored record of one transaction (TTL); its presence marks it as processed."""
        return f"{self.prefix}tx:{transaction_id}"

    def label(self, transaction_id: str) -> str:
        """Marks the label of one transaction as applied (TTL), so a redelivery is not counted."""
        return f"{self.prefix}label:{transaction_id}"

    def batch(self, batch_id: str) -> str:
        """The full scored records of one batch, kept until Kafka acknowledged their copies."""
        return f"{self.prefix}batch:{batch_id}"

    @property
    def recent(self) -> str:
        """Capped stream of recent scored transactions (dashboard map)."""
        return f"{self.prefix}stream:recent"

    @property
    def alerts(self) -> str:
        """Capped stream of review/block decisions (dashboard alert feed)."""
        return f"{self.prefix}stream:alerts"

    @property
    def stats(self) -> str:
        """Hash of running totals (transactions, decisions, amounts, label outcomes)."""
        return f"{self.prefix}stats"

    def latency(self, minute: int) -> str:
        """Hash of one minute's end-to-end latency histogram (minute = epoch seconds // 60)."""
        return f"{self.prefix}latency:{minute}"

    @property
    def warm_start(self) -> str:
        """Hash describing the history loaded by ``fraud-consumer backfill`` (digest, cut-off)."""
        return f"{self.prefix}warm-start"

    @property
    def model(self) -> str:
        """Hash describing the model in use (version, thresholds)."""
        return f"{self.prefix}model"
