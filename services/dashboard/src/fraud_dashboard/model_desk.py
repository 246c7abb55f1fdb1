"""The models through the dashboard, read only: the registry's versions with their status, the
history of promotions and rollbacks (who, when, why), and champion against challenger over a
window of the decision log (``fraudcore.decision_log.comparison``). Read on the decision log's
kept connections in a worker thread, as the dashboard's other reads are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg import errors

from fraud_dashboard.decision_log import on_log
from fraud_dashboard.log_connections import LogConnections
from fraudcore import model_registry as registry
from fraudcore.decision_log import comparison
from fraudcore.schemas import format_time

T = TypeVar("T")
HISTORY = 200  # newest changes shown; the registry keeps them all


class RegistryMissingError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("model registry not set up in this database: run fraud-models migrate")


class UnknownModelError(LookupError):
    """A version asked for by name that the registry does not hold."""


@dataclass(frozen=True)
class Window:
    since: dt.datetime
    until: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {"from": format_time(self.since), "to": format_time(self.until)}


@dataclass
class ModelDesk:
    connections: LogConnections | None

    async def _run(self, work: Callable[[psycopg.Connection], T]) -> T:
        def guarded(conn: psycopg.Connection) -> T:
            try:
                return work(conn)
            except errors.UndefinedTable as error:  # the registry's tables: never migrated
                conn.rollback()
                raise RegistryMissingError from error

        return await on_log(self.connections, guarded)

    async def overview(self) -> dict[str, Any]:
        """Every version, newest registration first, and the newest changes first."""

        def read(conn: psycopg.Connection) -> dict[str, Any]:
            versions = registry.list_versions(conn)
            events = registry.history(conn)[::-1][:HISTORY]
            serving = {v.status: v.model_version for v in versions}
            return {
                "champion": serving.get(registry.Status.CHAMPION),
                "challenger": serving.get(registry.Status.CHALLENGER),
                "versions": [v.as_json() for v in versions],
                "history": [e.as_json() for e in events],
            }

        return await self._run(read)

    async def compare(
        self,
        window: Window | None,
        days: int,
        champion: str | None = None,
        challenger: str | None = None,
    ) -> dict[str, Any]:
        """The pairs scored together in ``window`` (or the ``days`` up to the newest decision),
        only those with ``champion`` / ``challenger`` when named; a name the registry does not
        hold raises UnknownModelError."""

        def read(conn: psycopg.Connection) -> dict[str, Any]:
            for name in (champion, challenger):
                if name is not None:
                    try:
                        registry.get_version(conn, name)
                    except registry.UnknownVersionError as error:
                        raise UnknownModelError(str(error)) from error
            span = (window.since, window.until) if window else comparison.last_days(conn, days)
            if span is None:
                return {"window": None, "pairs": []}
            pairs = [
                pair.as_json()
                for pair in comparison.compare(conn, *span)
                if champion in (None, pair.champion) and challenger in (None, pair.challenger)
            ]
            return {"window": Window(*span).as_json(), "pairs": pairs}

        return await self._run(read)
