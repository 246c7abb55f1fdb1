"""Lua scripts built from shared parts, and their arguments built section by section.

A script call's KEYS and ARGV are two flat lists that the script reads front to back (``key()``
and ``take()`` in ``lua/feature_state.lua``). Each part of a script (feature state, a caller's
own records) reads its own section, so callers compose one atomic round trip from several parts
and each layout lives once.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, cast

import hiredis
import redis
from redis.commands.core import Script
from redis.exceptions import DataError, NoScriptError, ResponseError

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
        client = script.registered_client
        # Clusters, pipelines and single-connection clients keep the client's own path.
        if type(client) is redis.Redis and getattr(client, "connection", None) is None:
            return evalsha(client, script, self.keys, self.args)
        return script(keys=self.keys, args=self.args)


def evalsha(client: RedisClient, script: Any, keys: list[str], args: list[Value]) -> Any:
    """The script's reply, packed by hiredis in one go and sent on a connection of the client's
    pool. The consumer's two calls per batch carry over a thousand arguments at a batch
    of 64, and the client's own path spends more CPU on each command and each argument (its
    retries, timing hooks and per-argument checks): 67 against 40 us with no argument, 608
    against 233 us with 1,500 (``tests/fraudcore/test_redis_scripts.py`` holds the replies
    equal). Each thread keeps one of the pool's connections for these calls (``kept_connection``).
    Errors are the client's own; a connection error is raised at once, for the caller's retry
    (the scripts are idempotent when sent again), and NOSCRIPT loads the script."""
    try:
        return _send(client, _packed(script.sha, keys, args))
    except NoScriptError:  # a restarted Redis forgot it
        script.sha = cast(Any, client).script_load(script.script)
        return _send(client, _packed(script.sha, keys, args))


def _packed(sha: str, keys: list[str], args: list[Value]) -> bytes:
    try:
        command = ("EVALSHA", sha, len(keys), *keys, *args)
        packed: bytes = hiredis.pack_command(cast(Any, command))  # the stub: a one-item tuple
        return packed
    except TypeError as error:  # an argument of no Redis type, as the client reports it
        raise DataError(str(error)) from error


_KEPT = "_fraud_kept_connections"  # the pool's attribute: each thread's kept connection


@dataclass
class _Kept:
    """A thread's kept connection; collected with the thread's slot when the thread ends."""

    connection: Any


def _give_back(pool_ref: weakref.ref[Any], connection_ref: weakref.ref[Any]) -> None:
    pool, connection = pool_ref(), connection_ref()
    if pool is not None and connection is not None:  # else the pool went, and took it along
        pool.release(connection)


def kept_connection(pool: Any) -> Any:
    """This thread's own connection of ``pool``, kept out of the pool between calls: taking one
    from the pool and giving it back (its lock, its accounting, a poll that the socket holds no
    stale reply) cost about 25 us a call, two calls a batch. It lives on the pool, so it goes
    with it (a closed client's pool disconnects it, and a new call connects it again), and it
    goes back to the pool when its thread ends, so threads made per call leak no connection."""
    kept = vars(pool).get(_KEPT) or vars(pool).setdefault(_KEPT, threading.local())
    holder: _Kept | None = getattr(kept, "holder", None)
    if holder is None or holder.connection.pid != os.getpid():  # first call, or a forked child
        holder = kept.holder = _Kept(pool.get_connection())
        # Weak references: a connection refers to its pool, which must stay collectable.
        given_back = weakref.finalize(
            holder, _give_back, weakref.ref(pool), weakref.ref(holder.connection)
        )
        given_back.atexit = False
    return holder.connection


def _send(client: RedisClient, packed: bytes) -> Any:
    connection = kept_connection(cast("redis.Redis[bytes]", client).connection_pool)
    try:
        connection.send_packed_command([packed])  # (re)connects first when it has no socket
        return connection.read_response()  # error replies raised as the client raises them
    except ResponseError:  # a reply: the connection is in step
        raise
    except BaseException:  # a reply may be left unread: the next call starts on a new socket
        connection.disconnect()
        raise
