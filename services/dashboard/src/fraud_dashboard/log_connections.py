"""A few connections to the decision log kept open between requests.

A fresh connection costs a password exchange and, on its first query, loading the catalog of
every day partition the query may touch (a month of partitions and their indexes): tens of
milliseconds before any row is read, more than the queue's page itself. Reads take a kept
connection, give it back when it is idle again, and retry once on a fresh one when a kept
connection turns out dead (the server restarted meanwhile).
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import TypeVar

import psycopg
from psycopg.pq import TransactionStatus

from fraudcore.decision_log import connect
from fraudcore.settings import DatabaseSettings

APPLICATION = "fraud-dashboard"
KEEP = 4  # idle connections kept; more run at once when more requests do, then close
T = TypeVar("T")


class LogConnections:
    def __init__(self, settings: DatabaseSettings, keep: int = KEEP) -> None:
        self.settings = settings
        self.keep = keep
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()

    def _give_back(self, conn: psycopg.Connection) -> None:
        reusable = not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE
        if reusable and self._idle.qsize() < self.keep:
            self._idle.put(conn)
        else:
            conn.close()

    def _once(self, work: Callable[[psycopg.Connection], T], conn: psycopg.Connection) -> T:
        try:
            result = work(conn)
        except BaseException:
            conn.close()
            raise
        self._give_back(conn)
        return result

    def run(self, work: Callable[[psycopg.Connection], T], *, retry: bool = True) -> T:
        """``work(conn)`` on a kept connection, or a new one; blocking (call it in a thread).
        ``retry``: once more on a new connection when a kept one was dead (reads only: a write
        may have committed before its connection broke)."""
        try:
            kept = self._idle.get_nowait()
        except queue.Empty:
            return self._once(work, connect(self.settings, APPLICATION))
        try:
            return self._once(work, kept)
        except psycopg.OperationalError:
            if not retry:
                raise
            return self._once(work, connect(self.settings, APPLICATION))

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
