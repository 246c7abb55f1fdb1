"""Batch scripts on a Redis Cluster: a script may only touch keys of one hash slot, so a batch's
work is grouped by slot (``by_slot``) and sent as one script call per slot, all in one pipeline
(``run_calls``): each node gets its calls in one round trip, the nodes in parallel. On a single
Redis the same calls go in one pipeline too, and a batch of one call is sent as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import redis
from redis.crc import key_slot
from redis.exceptions import NoScriptError

from fraudcore.redis_client import RedisClient, is_cluster
from fraudcore.redis_scripts import ScriptArgs

T = TypeVar("T")


def slot_of(key: str) -> int:
    """The hash slot of a key (its hash tag's when it has one), as the cluster computes it."""
    return int(key_slot(key.encode()))


def by_slot(items: Iterable[T], key: Callable[[T], str]) -> dict[int, list[T]]:
    """Items grouped by the slot of their key, each group in the items' order."""
    groups: dict[int, list[T]] = {}
    for item in items:
        groups.setdefault(slot_of(key(item)), []).append(item)
    return groups


@dataclass(frozen=True)
class Call:
    """One script call: its keys must share a slot on a cluster."""

    script: Any  # redis.commands.core.Script: its source and SHA1
    args: ScriptArgs

    def check_one_slot(self) -> None:
        slots = {slot_of(k) for k in self.args.keys}
        if len(slots) > 1:
            raise ValueError(f"one script call spans {len(slots)} slots: {self.args.keys[:4]}")


def run_calls(client: RedisClient, calls: Sequence[Call]) -> list[Any]:
    """Each call's reply, or the exception it raised, in order; one round trip per node."""
    if not calls:
        return []
    if len(calls) == 1 and not is_cluster(client):
        try:
            return [calls[0].args.run(calls[0].script)]
        except redis.RedisError as error:
            return [error]
    replies = _pipelined(client, calls)
    missing = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
    if missing:  # a node that failed over or restarted forgot them: load them everywhere, once
        for script in {id(calls[i].script): calls[i].script for i in missing}.values():
            cast(Any, client).script_load(script.script)  # every primary on a cluster
        for i, reply in zip(missing, _pipelined(client, [calls[i] for i in missing]), strict=True):
            replies[i] = reply
    return replies


def _pipelined(client: RedisClient, calls: Sequence[Call]) -> list[Any]:
    pipe = client.pipeline(transaction=False)
    for call in calls:
        # EVALSHA through execute_command: redis-py's cluster pipeline refuses its evalsha()
        pipe.execute_command("EVALSHA", call.script.sha, len(call.args.keys), *call.args.keys,
                             *call.args.args)  # fmt: skip
    try:
        return list(pipe.execute(raise_on_error=False))
    except redis.RedisError as error:  # the whole pipeline failed (a node unreachable)
        return [error] * len(calls)


def raise_first(replies: Sequence[Any]) -> None:
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply


class TwoSteps:
    """A write in two steps of per-slot calls, the second built from the first's replies (what
    the first found decides what the second adds up). A call that failed is sent again as it
    was at the next ``send``, and only then the rest: so each call applies once, provided each
    is idempotent when sent again (its reply lost)."""

    def __init__(self, first: Sequence[Call], then: Callable[[list[Any]], Sequence[Call]]) -> None:
        self._then = then
        self._first = _Step(first)
        self._second: _Step | None = None

    def send(self, client: RedisClient) -> list[Any]:
        """The second step's replies; raises while some call still fails."""
        self._first.send(client)
        if self._second is None:
            self._second = _Step(self._then(self._first.replies))
        self._second.send(client)
        return self._second.replies


class _Step:
    def __init__(self, calls: Sequence[Call]) -> None:
        self.left = list(enumerate(calls))
        self.replies: list[Any] = [None] * len(calls)

    def send(self, client: RedisClient) -> None:
        if not self.left:
            return
        replies = run_calls(client, [call for _, call in self.left])
        failed = []
        for (i, call), reply in zip(self.left, replies, strict=True):
            if isinstance(reply, Exception):
                failed.append((i, call))
            else:
                self.replies[i] = reply
        self.left = failed
        raise_first(replies)
