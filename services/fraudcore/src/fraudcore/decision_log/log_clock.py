"""Which "today" the decision log's upkeep measures its days by.

The log is partitioned by day of event time, so its upkeep must count days in event time too.
A real deployment's event time follows the wall clock, but a simulated world's runs from its own
start at its own speed (175 simulated days per real day in the demo), far from the wall clock
either way. The log's own clock is right for both: the newest day it holds decisions for. Only a
day holding at least ``QUORUM`` decisions counts, so a few absurd event times (a producer's bad
clock) never move it; one that moved it to 2099 would drop every day the log holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import psycopg
from psycopg import sql

from fraudcore.decision_log.contract import DECISIONS
from fraudcore.decision_log.partitions import existing_days, partition_name

QUORUM = 10  # decisions a day must hold to set the log's clock: real traffic has more in a day


class Clock(StrEnum):
    LOG = "log"  # the newest day the log holds decisions for: right for any event clock
    WALL = "wall"  # the machine's clock: right only where event time follows it


@dataclass(frozen=True)
class Today:
    """The day upkeep counts from, or None when there is none yet; days past it the log holds
    a few decisions for but too few to trust are ``ignored``."""

    day: dt.date | None
    clock: Clock
    ignored: tuple[dt.date, ...] = ()


def newest_quorum_day(
    days: Sequence[dt.date], holds: Callable[[dt.date], int]
) -> tuple[dt.date | None, tuple[dt.date, ...]]:
    """The newest of ``days`` holding at least QUORUM decisions (``holds(day)`` counts up to
    QUORUM), and the newer days that hold some but fewer."""
    ignored: list[dt.date] = []
    for day in sorted(days, reverse=True):
        count = holds(day)
        if count >= QUORUM:
            return day, tuple(ignored)
        if count:
            ignored.append(day)
    return None, tuple(ignored)


def _holds(conn: psycopg.Connection, day: dt.date) -> int:
    """Decisions of ``day``, counted up to QUORUM: a few index or heap pages, whatever its size."""
    query = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {} LIMIT %s) AS day").format(
        sql.Identifier(partition_name(DECISIONS, day))
    )
    row = conn.execute(query, (QUORUM,)).fetchone()
    return int(row[0]) if row else 0


def today(conn: psycopg.Connection, clock: Clock, wall_now: dt.datetime) -> Today:
    if clock is Clock.WALL:
        return Today(wall_now.astimezone(dt.UTC).date(), clock)
    day, ignored = newest_quorum_day(existing_days(conn, DECISIONS), lambda d: _holds(conn, d))
    return Today(day, clock, ignored)
