"""Following the registry's serving versions (champion, challenger) from a running service.

Every status change sends ``pg_notify`` in its own transaction, so a listener hears a promotion
within milliseconds of its commit with no query in between. A notification sent while the
listener's connection is down is lost (PostgreSQL does not queue them for absent listeners), so
the serving versions are also read on every (re)connection and every ``poll_s`` seconds: the
poll bounds how stale a consumer can be after a database outage, the notification makes the
usual case fast.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from fraudcore.decision_log.connection import connect
from fraudcore.model_registry.contract import EVENTS, NOTIFY_CHANNEL, ModelVersion, Status
from fraudcore.model_registry.reader import serving
from fraudcore.settings import DatabaseSettings

log = logging.getLogger(__name__)
Serving = dict[Status, ModelVersion]
WAKE_S = 1.0  # longest wait for a notification before looking at the stop flag again


_LATEST_EVENT = sql.SQL("SELECT coalesce(max(event_id), 0) FROM {}").format(sql.Identifier(EVENTS))


def serving_state(conn: psycopg.Connection) -> tuple[Serving, int]:
    """The serving versions and the registry's latest event id, read in one snapshot: the id
    orders the states that several replicas serve (a higher one was read later)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        versions = serving(conn)
        row = conn.execute(_LATEST_EVENT).fetchone()
    return versions, 0 if row is None else int(row[0])


def serving_key(versions: Serving) -> tuple[str | None, str | None]:
    """(champion, challenger) version names: what a change of serving models is."""
    champion, challenger = versions.get(Status.CHAMPION), versions.get(Status.CHALLENGER)
    return (
        None if champion is None else champion.model_version,
        None if challenger is None else challenger.model_version,
    )


class ServingWatcher:
    """Calls ``changed`` (on its own thread) with the serving versions whenever they differ
    from the last ones it accepted; ``changed`` raising leaves them to be tried again at the
    next notification or poll (a model file not readable yet, say). During the call,
    ``generation`` is the registry's latest event id as of the versions given."""

    def __init__(
        self,
        settings: DatabaseSettings,
        changed: Callable[[Serving], None],
        *,
        poll_s: float,
        application: str,
        accepted: tuple[str | None, str | None] = (None, None),
    ) -> None:
        self.settings, self.changed, self.poll_s = settings, changed, poll_s
        self.application = application
        self.accepted = accepted
        self.generation = 0  # the latest event id of the state last read (see serving_state)
        # Held from a read of the registry to the models' hand-over: whoever reads later hands
        # over later, so a newer state is never overwritten by an older one (``read_now``).
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="model-registry", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=WAKE_S + 5)

    def check(self, conn: psycopg.Connection) -> None:
        with self.lock:
            versions, self.generation = serving_state(conn)
            key = serving_key(versions)
            if key == self.accepted:
                return
            try:
                self.changed(versions)
            except Exception:  # whatever a model's files do, the watcher must outlive them
                log.exception("serving models %s not taken up, tried again later", key)
                return
            self.accepted = key

    def read_now(self) -> None:
        """Read the registry on the caller's thread now, not at the next notification (a
        consumer taking partitions over must not serve a version their last owner replaced)."""
        try:
            with connect(self.settings, self.application) as conn:
                self.check(conn)
        except psycopg.Error as error:
            log.warning("model registry not read now, the watcher will: %s", error)

    def _listen(self) -> None:
        with connect(self.settings, self.application) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(NOTIFY_CHANNEL)))
            self.check(conn)  # after LISTEN: a change committed in between is seen either way
            next_poll = time.monotonic() + self.poll_s
            while not self.stop.is_set():
                heard = list(conn.notifies(timeout=WAKE_S, stop_after=1))
                if heard or time.monotonic() >= next_poll:
                    self.check(conn)
                    next_poll = time.monotonic() + self.poll_s

    def _run(self) -> None:
        backoff = 1.0
        while not self.stop.is_set():
            try:
                self._listen()
            except psycopg.Error as error:
                log.warning("model registry unreachable, serving models unchanged: %s", error)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, self.poll_s)
            else:
                backoff = 1.0
