"""The dashboard's end-to-end latency percentiles: a per-minute histogram in Redis
(``fraudcore.live_stats``), counted here per batch and written at most once a second, because
each write is a round trip that small batches would otherwise pay every few milliseconds."""

from __future__ import annotations

import logging
import time
from collections import defaultdict

import redis

from fraud_consumer.every import Every
from fraudcore import live_stats
from fraudcore.redis_client import RedisClient
from fraudcore.redis_keys import RedisKeys

log = logging.getLogger(__name__)
FLUSH_EVERY_S = 1.0


class LatencyHistogram:
    def __init__(self, client: RedisClient, keys: RedisKeys) -> None:
        self.redis, self.keys = client, keys
        self._counts: dict[tuple[int, str], int] = defaultdict(int)
        self._flush_due = Every(FLUSH_EVERY_S)

    def count(self, latencies_ms: list[float]) -> None:
        minute = live_stats.latency_minute(time.time())
        for value in latencies_ms:
            self._counts[minute, live_stats.latency_bucket(value)] += 1

    def flush(self, *, now: bool = False) -> None:
        if not self._counts or not (self._flush_due() or now):
            return
        counts, self._counts = self._counts, defaultdict(int)
        pipe = self.redis.pipeline(transaction=False)
        for (minute, bucket), count in counts.items():
            key = self.keys.latency(minute)
            pipe.hincrby(key, bucket, count)
            pipe.expire(key, live_stats.LATENCY_TTL_S)
        try:
            pipe.execute()
        except redis.RedisError as error:
            log.warning("latency aggregate not written: %s", error)
