"""The dashboard's read side of the decision log: one decision looked up, the review queue's
pages, and the live quality figures read periodically into Prometheus gauges and the page's panel.

The log is read through fraudcore's reader and quality queries on a few kept connections in a
worker thread (psycopg's blocking API keeps the event loop free); lookups are rare, the figures
are read once per interval whatever the number of viewers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg

from fraud_dashboard.log_connections import LogConnections
from fraudcore import metrics
from fraudcore.decision_log import get_decisions
from fraudcore.decision_log.card_history import card_decisions
from fraudcore.decision_log.quality import DayQuality, recent_quality
from fraudcore.decision_log.queue import QueueFilter, QueueKey, QueueOrder, QueuePage, waiting
from fraudcore.schemas import format_time
from fraudcore.settings import DatabaseSettings

log = logging.getLogger(__name__)
T = TypeVar("T")


class LogNotConfiguredError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("decision log not configured: set DATABASE_URL")


class LogUnavailableError(RuntimeError):
    def __init__(self, error: BaseException) -> None:
        super().__init__(f"decision log unavailable ({type(error).__name__}); retry later")


async def on_log(
    connections: LogConnections | None,
    work: Callable[[psycopg.Connection], T],
    *,
    retry: bool = True,
) -> T:
    """``work`` on a kept connection in a worker thread: not configured or down, a 503."""
    if connections is None:
        raise LogNotConfiguredError
    try:
        return await asyncio.to_thread(connections.run, work, retry=retry)
    except psycopg.Error as error:
        raise LogUnavailableError(error) from error


@dataclass
class DecisionLog:
    settings: DatabaseSettings | None
    connections: LogConnections | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.settings is not None and self.connections is None:
            self.connections = LogConnections(self.settings)

    def close(self) -> None:
        if self.connections is not None:
            self.connections.close()

    def _read(self, work: Callable[[psycopg.Connection], T]) -> T:
        if self.connections is None:
            raise LogNotConfiguredError
        return self.connections.run(work)

    def _lookup(self, transaction_id: str) -> list[dict[str, Any]]:
        return self._read(
            lambda conn: [entry.as_json() for entry in get_decisions(conn, transaction_id)]
        )

    def _quality(self, days: int) -> list[DayQuality]:
        return self._read(lambda conn: recent_quality(conn, days))

    def _queue(
        self, filters: QueueFilter, order: QueueOrder, limit: int, after: QueueKey | None
    ) -> QueuePage:
        return self._read(lambda conn: waiting(conn, filters, order, limit, after))

    async def queue(
        self, filters: QueueFilter, order: QueueOrder, limit: int, after: QueueKey | None
    ) -> QueuePage:
        """One page of the decisions waiting for an analyst."""
        try:
            return await asyncio.to_thread(self._queue, filters, order, limit, after)
        except psycopg.Error as error:
            raise LogUnavailableError(error) from error

    def _card(self, card_id: str, limit: int, until: dt.datetime | None) -> list[dict[str, Any]]:
        return self._read(lambda conn: card_decisions(conn, card_id, limit, until))

    async def card(
        self, card_id: str, limit: int, until: dt.datetime | None
    ) -> list[dict[str, Any]]:
        """The card's decisions at or before ``until``, newest first."""
        try:
            return await asyncio.to_thread(self._card, card_id, limit, until)
        except psycopg.Error as error:
            raise LogUnavailableError(error) from error

    async def decisions(self, transaction_id: str) -> list[dict[str, Any]]:
        """The decisions logged under ``transaction_id`` as JSON (usually one, or none)."""
        try:
            return await asyncio.to_thread(self._lookup, transaction_id)
        except psycopg.Error as error:
            raise LogUnavailableError(error) from error

    async def quality(self, days: int) -> list[DayQuality]:
        try:
            return await asyncio.to_thread(self._quality, days)
        except psycopg.Error as error:
            raise LogUnavailableError(error) from error


class QualityGauges:
    """The figures as Prometheus gauges; a (day, model) that left the window is removed."""

    def __init__(self, registry: Any) -> None:
        self.decisions: Any = metrics.LOG_DECISIONS.create(registry)
        self.alert_rate: Any = metrics.LOG_ALERT_RATE.create(registry)
        self.precision: Any = metrics.LOG_PRECISION.create(registry)
        self.recall: Any = metrics.LOG_RECALL.create(registry)
        self.coverage: Any = metrics.LOG_LABEL_COVERAGE.create(registry)
        self.refreshed: Any = metrics.LOG_QUALITY_REFRESHED.create(registry)
        self.errors: Any = metrics.LOG_QUALITY_ERRORS.create(registry)
        self._shown: set[tuple[str, str]] = set()

    def show(self, figures: list[DayQuality]) -> None:
        shown: set[tuple[str, str]] = set()
        for row in figures:
            key = (row.day.isoformat(), row.model_version)
            shown.add(key)
            self.decisions.labels(*key).set(row.decisions)
            self.alert_rate.labels(*key).set(row.alert_rate)
            self.coverage.labels(*key).set(row.label_coverage)
            # No figure until its denominator exists: absent, never a made-up 0.
            for gauge, value in ((self.precision, row.precision), (self.recall, row.recall)):
                if value is None:
                    _remove(gauge, key)
                else:
                    gauge.labels(*key).set(value)
        for key in self._shown - shown:
            for gauge in (self.decisions, self.alert_rate, self.coverage):
                _remove(gauge, key)
            _remove(self.precision, key)
            _remove(self.recall, key)
        self._shown = shown
        self.refreshed.set(time.time())


def _remove(gauge: Any, key: tuple[str, str]) -> None:
    with contextlib.suppress(KeyError):  # never exported
        gauge.remove(*key)


@dataclass
class QualityMonitor:
    """Reads the figures every ``interval_s``; the latest read (or why it failed) is kept."""

    source: DecisionLog
    gauges: QualityGauges
    days: int
    interval_s: float
    figures: list[DayQuality] = field(default_factory=list)
    refreshed_at: dt.datetime | None = None
    problem: str | None = None

    async def refresh(self) -> None:
        try:
            figures = await self.source.quality(self.days)
        except LogUnavailableError as error:
            self.problem = str(error)
            self.gauges.errors.inc()
            log.warning("quality figures not read: %s", error)
            return
        self.figures, self.problem = figures, None
        self.refreshed_at = dt.datetime.now(dt.UTC)
        self.gauges.show(figures)

    async def run(self) -> None:
        if self.source.settings is None:
            return
        while True:
            await self.refresh()
            await asyncio.sleep(self.interval_s)

    def as_json(self) -> dict[str, Any]:
        return {
            "refreshed_at": None if self.refreshed_at is None else format_time(self.refreshed_at),
            "window_days": self.days,
            "days": [row.as_json() for row in self.figures],
        }
