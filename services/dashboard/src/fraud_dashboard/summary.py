"""The live figures: running totals from the consumer's statistics, throughput from their
change over time, latency percentiles from the per-minute histograms."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fraudcore import live_stats
from fraudcore.currency import REPORTING_CURRENCY
from fraudcore.live_stats import LiveTotals
from fraudcore.live_streams import map_point
from fraudcore.redis_client import AsyncRedisClient
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Decision

LATENCY_WINDOW_MIN = 2  # minutes of latency history behind p50/p99
TPS_WINDOW_S = 5.0
CLOCK_SAMPLE = 500  # latest map points the world's clock is read from
MIN_CLOCK_SPAN_S = 2.0  # shorter spans of real time give a noisy speed


def percentile_bucket(buckets: dict[float, int], q: float) -> tuple[float, float | None] | None:
    """The histogram bucket holding the q-quantile, as (lower, upper) bounds in ms: all the
    histogram knows about it (upper None beyond the last bound; None without any count)."""
    total = sum(buckets.values())
    if not total:
        return None
    rank, seen, lower = q * total, 0, 0.0
    for bound in sorted(buckets):
        seen += buckets[bound]
        if seen >= rank:
            return (lower, bound * 1000 if math.isfinite(bound) else None)
        lower = bound * 1000
    return None


def _latency(buckets: dict[float, int], name: str, q: float) -> dict[str, Any]:
    """``<name>_ms``: the upper bound of the quantile's bucket (an honest "at most"), and
    ``<name>_bucket_ms``: both bounds, so the page can show the histogram's precision."""
    found = percentile_bucket(buckets, q)
    return {
        f"{name}_ms": None if found is None else found[1],
        f"{name}_bucket_ms": None if found is None else list(found),
    }


def world_clock(entries: list[tuple[bytes, dict[bytes, bytes]]]) -> tuple[str | None, float | None]:
    """The simulated time of the newest payment, and the world's speed: simulated seconds per
    real second between the oldest and newest of the latest map points (stream ids are the
    real milliseconds each was written at)."""
    if not entries:
        return None, None
    newest_id, newest = entries[0]
    oldest_id, oldest = entries[-1]
    world_now = map_point(newest)["t"]
    real_s = (int(newest_id.split(b"-")[0]) - int(oldest_id.split(b"-")[0])) / 1000
    if real_s < MIN_CLOCK_SPAN_S:
        return world_now, None
    world_s = (
        dt.datetime.fromisoformat(world_now) - dt.datetime.fromisoformat(map_point(oldest)["t"])
    ).total_seconds()
    return world_now, round(world_s / real_s, 1)


def _share(part: float, total: float) -> float:
    return part / total if total else 0.0


@dataclass
class SummaryTracker:
    redis: AsyncRedisClient
    keys: RedisKeys
    budget_ms: float
    _samples: deque[tuple[float, float]] = field(default_factory=deque, init=False)

    def _throughput(self, now: float, total: float) -> float:
        """Transactions per second over the last few seconds (not since the previous call)."""
        self._samples.append((now, total))
        while len(self._samples) > 2 and now - self._samples[1][0] >= TPS_WINDOW_S:
            self._samples.popleft()
        first_t, first_total = self._samples[0]
        return max(0.0, (total - first_total) / (now - first_t)) if now - first_t >= 0.5 else 0.0

    async def summary(self) -> dict[str, Any]:
        minute = live_stats.latency_minute(time.time())
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self.keys.stats)
        pipe.hget(self.keys.model, live_stats.MODEL_VERSION)
        pipe.xrevrange(self.keys.recent, count=CLOCK_SAMPLE)
        for offset in range(LATENCY_WINDOW_MIN):
            pipe.hgetall(self.keys.latency(minute - offset))
        stats_raw, version, recent, *latency_raw = await pipe.execute()
        world_time, world_speed = world_clock(recent)
        totals = LiveTotals.parse(stats_raw)
        buckets = live_stats.latency_histogram(latency_raw)

        total, decisions = totals.transactions, totals.decisions
        tps = self._throughput(time.monotonic(), total)
        return {
            "transactions": total,
            "tps": round(tps, 1),
            "approved": decisions[Decision.APPROVE],
            "reviewed": decisions[Decision.REVIEW],
            "blocked": decisions[Decision.BLOCK],
            "block_rate": _share(decisions[Decision.BLOCK], total),
            "review_rate": _share(decisions[Decision.REVIEW], total),
            "blocked_amount": totals.amounts[Decision.BLOCK],
            "blocked_unconverted": totals.unconverted[Decision.BLOCK],
            "reporting_currency": REPORTING_CURRENCY,
            **_latency(buckets, "latency_p50", 0.5),
            **_latency(buckets, "latency_p99", 0.99),
            "latency_budget_ms": self.budget_ms,
            "model_version": (version or b"").decode() or None,
            "labels": totals.labels,
            "precision": live_stats.precision(totals.outcomes),
            "recall": live_stats.recall(totals.outcomes),
            "world_time": world_time,
            "world_speed": world_speed,
        }
