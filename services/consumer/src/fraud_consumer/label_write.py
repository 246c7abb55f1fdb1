"""How applied labels are written to Redis, once each (``lua/labels.lua``): per label its
marker (in its merchant's slot), its merchant's label history and its statistics. On a single
Redis one atomic script call; on a Redis Cluster one call per merchant slot, then the
statistics of the labels those found new, each step sent again after an error until it went
through (``fraudcore.redis_slots.TwoSteps``), so a label counts once whatever fails."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fraud_consumer.batch_write import consumer_script
from fraudcore import live_stats
from fraudcore.feature_store import FeatureStore
from fraudcore.redis_scripts import ScriptArgs
from fraudcore.redis_slots import Call, TwoSteps

SINGLE_LUA = """local stats = key()
local applied = apply_labels(stats)
local fields = {}
for i = 1, tonumber(take()) do fields[i] = take() end
return {applied, redis.call('HMGET', stats, unpack(fields))}"""
SLOT_LUA = "return apply_labels(false)"
STATS_LUA = """local stats = key()
if first_time(key()) then add_stats(stats) end
local fields = {}
for i = 1, tonumber(take()) do fields[i] = take() end
return redis.call('HMGET', stats, unpack(fields))"""


@dataclass(frozen=True)
class LabelSection:
    marker: str
    merchant: str
    history: dict[str, int]  # what the label adds to its merchant's counters
    stats: dict[str, float]  # and to the statistics


# What a write tells: per label whether it was new, and the outcome totals after it.
Written = tuple[list[bool], dict[str, float]]


class LabelWriter:
    def __init__(self, store: FeatureStore, marker_ttl_s: int) -> None:
        self.store, self.client, self.keys = store, store.client, store.keys
        self.marker_ttl_s = marker_ttl_s
        self._single = consumer_script(self.client, "stats.lua", "labels.lua", SINGLE_LUA)
        self._slot = consumer_script(self.client, "stats.lua", "labels.lua", SLOT_LUA)
        self._stats = consumer_script(self.client, "stats.lua", "applied.lua", STATS_LUA)
        self.writer, self.number = uuid.uuid4().hex[:16], 0
        self.pending: tuple[TwoSteps, list[LabelSection]] | None = None

    def _add(self, call: ScriptArgs, sections: Sequence[LabelSection], with_stats: bool) -> None:
        call.arg(self.marker_ttl_s, self.store.state_ttl(), len(sections))
        for section in sections:
            call.key(section.marker, section.merchant).pairs(section.history.items())
            call.pairs(section.stats.items() if with_stats else [])

    def write(self, sections: list[LabelSection]) -> Written:
        outcomes = [live_stats.outcome_count(cell) for cell in live_stats.OUTCOMES]
        if not self.store.cluster:
            call = ScriptArgs().key(self.keys.stats)
            self._add(call, sections, with_stats=True)
            flags, totals = call.counted_args(outcomes).run(self._single)
            return [bool(flag) for flag in flags], _totals(totals)
        self.finish()
        self.number += 1
        groups = self.store.groups([], [], [s.merchant for s in sections])
        calls = []
        for group in groups:
            call = ScriptArgs()
            self._add(call, [sections[i] for i in group.extra], with_stats=False)
            calls.append(Call(self._slot, call))
        number = self.number

        def statistics(replies: list[Any]) -> list[Call]:
            stats: dict[str, float] = {}
            for group, flags in zip(groups, replies, strict=True):
                for i, flag in zip(group.extra, flags, strict=True):
                    new[i] = bool(flag)
                    for name, value in sections[i].stats.items() if flag else ():
                        stats[name] = stats.get(name, 0.0) + value
            call = ScriptArgs().key(self.keys.stats, self.keys.applied(self.keys.stats))
            call.arg(self.writer, number).pairs(stats.items()).counted_args(outcomes)
            return [Call(self._stats, call)]

        new = [False] * len(sections)
        self.pending = (TwoSteps(calls, statistics), sections)
        (totals,) = self.pending[0].send(self.client)
        self.pending = None
        return new, _totals(totals)

    def finish(self) -> None:
        """A write an error cut short goes through before the next (its labels count once)."""
        if self.pending is not None:
            self.pending[0].send(self.client)
            self.pending = None


def _totals(replies: list[Any]) -> dict[str, float]:
    return dict(zip(live_stats.OUTCOMES, (float(v or 0) for v in replies), strict=True))
