"""One Redis reader, many browsers: the hub tails the consumer's streams and hands every
connected client the same pre-encoded batches. Viewers only read; nothing is ever removed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.exceptions import RedisError

from fraudcore import live_streams
from fraudcore.live_streams import AlertSummary, MapPoint
from fraudcore.redis_client import AsyncRedisClient
from fraudcore.redis_keys import RedisKeys

log = logging.getLogger(__name__)
TICK_S = (
    0.1  # batches at most ten times a second: a few KB per client instead of a message per payment
)
DECISIONS = {"approve": 0, "review": 1, "block": 2}


def point(entry: MapPoint) -> list[Any]:
    """A map point as [lat, lon, decision, amount]: small, because thousands flow per second."""
    return [entry["lat"], entry["lon"], DECISIONS.get(entry["decision"], 0), entry["amount"]]


@dataclass(frozen=True)
class Batch:
    cursor: str | None  # "<recent stream id>/<alert stream id>" (the SSE id); None: figures only
    payload: bytes  # encoded once, written to every client
    newest_ms: int  # stream time of the newest entry, for delivery-delay accounting


def encode(points: list[list[Any]], alerts: list[AlertSummary], cursor: str) -> bytes:
    data = orjson.dumps({"points": points, "alerts": alerts})
    return b"id: " + cursor.encode() + b"\nevent: batch\ndata: " + data + b"\n\n"


def stream_ms(entry_id: str) -> int:
    return int(entry_id.split("-", 1)[0])


@dataclass
class Hub:
    redis: AsyncRedisClient
    keys: RedisKeys
    alert_memory: int = 1_000
    clients: set[asyncio.Queue[Batch]] = field(default_factory=set)
    alerts: OrderedDict[str, bytes] = field(default_factory=OrderedDict)  # id -> full record
    cursor: tuple[str, str] = ("$", "$")
    delivered_events: int = 0

    def subscribe(self, depth: int = 100) -> asyncio.Queue[Batch]:
        queue: asyncio.Queue[Batch] = asyncio.Queue(maxsize=depth)
        self.clients.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Batch]) -> None:
        self.clients.discard(queue)

    def remember_alert(self, transaction_id: str, raw: bytes) -> None:
        self.alerts[transaction_id] = raw
        while len(self.alerts) > self.alert_memory:
            self.alerts.popitem(last=False)

    async def read(
        self, cursor: tuple[str, str], block_ms: int | None, count: int
    ) -> tuple[tuple[str, str], Batch | None]:
        """Entries after ``cursor`` in both streams, as one batch (None when there are none)."""
        replies = await self.redis.xread(
            {self.keys.recent: cursor[0], self.keys.alerts: cursor[1]}, count=count, block=block_ms
        )
        recent_id, last_alert = cursor
        points: list[list[Any]] = []
        alerts: list[AlertSummary] = []
        newest = 0
        for stream, entries in replies or []:
            for raw_id, fields in entries:
                entry_id = raw_id.decode()
                newest = max(newest, stream_ms(entry_id))
                if stream.decode() == self.keys.recent:
                    points.append(point(live_streams.map_point(fields)))
                    recent_id = entry_id
                else:
                    record = live_streams.alert_record(fields)
                    alerts.append(live_streams.alert_summary(record))
                    data = live_streams.entry_data(fields)
                    self.remember_alert(live_streams.alert_id(record), data)
                    last_alert = entry_id
        if not points and not alerts:
            return cursor, None
        new_cursor = (recent_id, last_alert)
        return new_cursor, Batch(
            f"{recent_id}/{last_alert}", encode(points, alerts, f"{recent_id}/{last_alert}"), newest
        )

    async def start_cursor(self) -> tuple[str, str]:
        """Live from now: the newest ids of both streams ("0-0" for a stream not created yet)."""
        ids = []
        for key in (self.keys.recent, self.keys.alerts):
            last = await self.redis.xrevrange(key, count=1)
            ids.append(last[0][0].decode() if last else "0-0")
        return ids[0], ids[1]

    async def run(self) -> None:
        """Tail both streams forever; Redis outages are waited out, never fatal."""
        while True:
            try:
                if self.cursor == ("$", "$"):
                    self.cursor = await self.start_cursor()
                self.cursor, batch = await self.read(self.cursor, block_ms=1_000, count=5_000)
            except RedisError as error:
                log.warning("redis unavailable for the live stream: %s", error)
                await asyncio.sleep(1.0)
                continue
            if batch is not None:
                self.broadcast(batch)
            await asyncio.sleep(TICK_S)

    def broadcast(self, batch: Batch) -> None:
        for queue in list(self.clients):
            if queue.full():  # a stalled browser loses its oldest batch, never others' data
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(batch)

    async def run_summaries(self, tracker: Any, every_s: float = 1.0) -> None:
        """The live figures once a second, computed once for all viewers."""
        while True:
            await asyncio.sleep(every_s)
            if not self.clients:
                continue
            try:
                figures = await tracker.summary()
            except RedisError as error:
                log.warning("figures unavailable: %s", error)
                continue
            self.broadcast(
                Batch(None, b"event: summary\ndata: " + orjson.dumps(figures) + b"\n\n", now_ms())
            )


def now_ms() -> int:
    return int(time.time() * 1000)
