"""Server-Sent Events for one browser: a catch-up from its last event id (or a snapshot of the
recent past), then the hub's live batches; a comment line keeps idle connections open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson

from fraud_dashboard.hub import Batch, Hub, encode, now_ms, point
from fraud_dashboard.state import DashboardState
from fraudcore import live_streams
from fraudcore.live_streams import AlertSummary

KEEPALIVE_S = 15.0


def _order(entry_id: str) -> tuple[int, int]:
    millis, _, seq = entry_id.partition("-")
    return (int(millis), int(seq or 0)) if millis.isdigit() else (0, 0)


def parse_cursor(value: str | None) -> tuple[str, str] | None:
    """``<recent id>/<alert id>`` as sent in the SSE ``id:`` field; None if malformed."""
    if not value or value.count("/") != 1:
        return None
    recent, alert = value.split("/")
    if (_order(recent) == (0, 0) and recent != "0-0") or (
        _order(alert) == (0, 0) and alert != "0-0"
    ):
        return None
    return recent, alert


def covered(batch: Batch, cursor: tuple[str, str]) -> bool:
    """Whether the catch-up already sent everything in this live batch."""
    if batch.cursor is None:
        return False
    recent, alert = batch.cursor.split("/")
    return _order(recent) <= _order(cursor[0]) and _order(alert) <= _order(cursor[1])


async def snapshot(hub: Hub, backlog: int) -> tuple[tuple[str, str], bytes]:
    """The most recent points and alerts, so a new viewer does not start on an empty map."""
    recent = await hub.redis.xrevrange(hub.keys.recent, count=backlog) if backlog else []
    alerts = await hub.redis.xrevrange(hub.keys.alerts, count=50)
    points = [point(live_streams.map_point(fields)) for _, fields in reversed(recent)]
    summaries: list[AlertSummary] = []
    for _, fields in reversed(alerts):
        record = live_streams.alert_record(fields)
        hub.remember_alert(live_streams.alert_id(record), live_streams.entry_data(fields))
        summaries.append(live_streams.alert_summary(record))
    cursor = (
        recent[0][0].decode() if recent else (await hub.start_cursor())[0],
        alerts[0][0].decode() if alerts else "0-0",
    )
    return cursor, encode(points, summaries, "/".join(cursor))


async def events(
    state: DashboardState, queue: asyncio.Queue[Batch], last_event_id: str | None
) -> AsyncIterator[bytes]:
    hub, backlog, metrics = state.hub, state.settings.dashboard_backlog, state.metrics
    yield b"retry: 2000\n\n"
    cursor = parse_cursor(last_event_id)
    if cursor is None:
        cursor, payload = await snapshot(hub, backlog)
        yield payload
        yield b"event: summary\ndata: " + orjson.dumps(await state.tracker.summary()) + b"\n\n"
    else:
        # Resume: everything after the browser's last id, up to the streams' own caps.
        while True:
            cursor, batch = await hub.read(cursor, block_ms=None, count=5_000)
            if batch is None:
                break
            yield batch.payload
    while True:
        try:
            batch = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_S)
        except TimeoutError:
            yield b": keepalive\n\n"
            continue
        if covered(batch, cursor):
            continue
        yield batch.payload
        if batch.cursor is not None:
            metrics.sent.inc()
            metrics.delay.observe(max(0, now_ms() - batch.newest_ms) / 1000)
