"""What the consumer writes to Redis per batch, shared by the single-Redis write (``sink``) and
the Redis Cluster write (``cluster_sink``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import redis

from fraudcore.feature_store import Cards, Merchants
from fraudcore.live_stats import MODEL_VERSION
from fraudcore.live_streams import STREAM_FIELD
from fraudcore.redis_client import RedisClient
from fraudcore.redis_scripts import FEATURE_STATE_LUA, ScriptArgs, register


class WrittenMeanwhileError(redis.RedisError):
    """A Redis error to the loop: the batch is retried, and its payments are then recognised."""


def consumer_script(client: RedisClient, *parts: str) -> Any:
    """Feature-state functions, then these Lua files of ours (``lua/``, by name) and snippets,
    as one script."""
    lua = resources.files("fraud_consumer").joinpath("lua")
    return register(
        client,
        FEATURE_STATE_LUA,
        *(lua.joinpath(part) if part.endswith(".lua") else part for part in parts),
    )


@dataclass
class Loaded:
    cards: Cards
    merchants: Merchants
    markers: list[bytes | None]  # per transaction, in batch order


@dataclass
class BatchWrite:
    """What one batch writes; ``RedisSink.write`` sends it as one atomic script call."""

    batch_key: str
    batch_json: bytes
    model_version: str
    cards: Cards = field(default_factory=dict)
    merchants: Merchants = field(default_factory=dict)
    markers: list[tuple[str, str, bytes]] = field(default_factory=list)  # card, transaction
    points: list[bytes] = field(default_factory=list)  # in the markers' order
    alerts: list[bytes] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)

    def add_live(self, call: ScriptArgs, maxlens: tuple[int, int]) -> ScriptArgs:
        """The section ``write_live`` reads (``lua/live.lua``)."""
        call.arg(*maxlens, STREAM_FIELD).counted_args(self.points).counted_args(self.alerts)
        return call.pairs(self.stats.items()).arg(MODEL_VERSION, self.model_version)
