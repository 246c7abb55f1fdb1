"""Lua scripts built from shared parts, and their arguments built section by section.

A script call's KEYS and ARGV are two flat lists that the script reads front to back (``key()``
and ``take()`` in ``lua/feature_state.lua``). Each part of a script (feature state, a caller's
own records) reads its own section, so callers compose one atomic round trip from several parts
and each layout lives once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from redis.commands.core import Script

from fraudcore.redis_client import RedisClient

Value = bytes | str | int | float
FEATURE_STATE_LUA = resources.files("fraudcore").joinpath("lua", "feature_state.lua")


def register(client: RedisClient, *parts: Traversable | str) -> Any:
    """One script from Lua files and snippets, in order; EVALSHA, falling back to EVAL after a
    Redis restart forgot it."""
    source = "\n".join(part if isinstance(part, str) else part.read_text() for part in parts)
    return Script(client, source)


@dataclass
class ScriptArgs:
    """The KEYS and ARGV of one script call, appended in the order the script reads them."""

    keys: list[str] = field(default_factory=list)
    args: list[Value] = field(default_factory=list)

    def key(self, *keys: str) -> ScriptArgs:
        self.keys.extend(keys)
        return self

    def arg(self, *values: Value) -> ScriptArgs:
        self.args.extend(values)
        return self

    def counted_keys(self, keys: Sequence[str]) -> ScriptArgs:
        """A count in ARGV, then that many keys (the script loops ``for _ = 1, take()``)."""
        return self.arg(len(keys)).key(*keys)

    def counted_args(self, values: Sequence[Value]) -> ScriptArgs:
        return self.arg(len(values), *values)

    def pairs(self, mapping: Iterable[tuple[str, Value]]) -> ScriptArgs:
        """A count, then (name, value) pairs."""
        flat = [item for pair in mapping for item in pair]
        return self.arg(len(flat) // 2, *flat)

    def run(self, script: Any) -> Any:
        return script(keys=self.keys, args=self.args)
