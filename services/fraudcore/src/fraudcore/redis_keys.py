"""Every Redis key the platform writes or reads, under one configurable prefix. What the values
hold: ``fraudcore.feature_store`` (card and merchant state), ``fraudcore.live_stats`` (statistics
and latency) and ``fraudcore.live_streams`` (map points and alerts).

Keys carry Redis Cluster hash tags (the part in braces picks the slot), so that what one script
writes atomically lives in one slot: a card's state with its payments' markers (``{card}``), a
merchant's state with its labels' markers (``{merchant}``), and the running figures the
dashboard reads together (``{live}``). On a single Redis the tags change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

LIVE_TAG = "{live}"


@dataclass(frozen=True)
class RedisKeys:
    prefix: str = "fraud:"

    def __post_init__(self) -> None:
        if "{" in self.prefix or "}" in self.prefix:
            raise ValueError(f"the Redis key prefix {self.prefix!r} must not hold braces")

    def card(self, card_id: str) -> str:
        """Card feature state (one value; single writer: the consumer owning the partition)."""
        return f"{self.prefix}card:{{{card_id}}}"

    def merchant(self, merchant_id: str) -> str:
        """Merchant feature state (hash of bucketed counters; many writers, increments only)."""
        return f"{self.prefix}merchant:{{{merchant_id}}}"

    def transaction(self, card_id: str, transaction_id: str) -> str:
        """The marker of one processed transaction (TTL), in its card's slot: written in the
        same atomic call as the card state it changed."""
        return f"{self.prefix}tx:{{{card_id}}}:{transaction_id}"

    def transaction_pattern(self, transaction_id: str = "*") -> str:
        """A SCAN pattern for transaction markers, whatever their card."""
        return f"{self.prefix}tx:{{*}}:{transaction_id}"

    @staticmethod
    def transaction_id(marker_key: bytes | str) -> str:
        """The transaction id a marker key names."""
        key = marker_key.decode() if isinstance(marker_key, bytes) else marker_key
        return key.rsplit("}:", 1)[1]

    def label(self, merchant_id: str, transaction_id: str) -> str:
        """Marks the label of one transaction as applied (TTL), in its merchant's slot: set in
        the same atomic call as the merchant's label history, so a redelivery is not counted."""
        return f"{self.prefix}label:{{{merchant_id}}}:{transaction_id}"

    def applied(self, tag_of: str) -> str:
        """Which write of each writer was applied last, in the slot of the key ``tag_of``
        (Redis Cluster: what makes a write resumed after an error apply once)."""
        start = tag_of.index("{")
        return f"{self.prefix}applied:{tag_of[start : tag_of.index('}', start) + 1]}"

    def batch(self, batch_id: str) -> str:
        """The full scored records of one batch, kept until Kafka acknowledged their copies."""
        return f"{self.prefix}batch:{{{batch_id}}}"

    @property
    def recent(self) -> str:
        """Capped stream of recent scored transactions (dashboard map)."""
        return f"{self.prefix}{LIVE_TAG}:stream:recent"

    @property
    def alerts(self) -> str:
        """Capped stream of review/block decisions (dashboard alert feed)."""
        return f"{self.prefix}{LIVE_TAG}:stream:alerts"

    @property
    def stats(self) -> str:
        """Hash of running totals (transactions, decisions, amounts, label outcomes)."""
        return f"{self.prefix}{LIVE_TAG}:stats"

    def latency(self, minute: int) -> str:
        """Hash of one minute's end-to-end latency histogram (minute = epoch seconds // 60)."""
        return f"{self.prefix}{LIVE_TAG}:latency:{minute}"

    @property
    def warm_start(self) -> str:
        """Hash describing the history loaded by ``fraud-consumer backfill`` (digest, cut-off)."""
        return f"{self.prefix}{LIVE_TAG}:warm-start"

    @property
    def model(self) -> str:
        """Hash describing the model in use (version, thresholds)."""
        return f"{self.prefix}{LIVE_TAG}:model"
