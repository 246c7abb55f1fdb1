"""The dashboard's write side of the decision log, and its searches: verdicts (recorded with
their label sent, or not at all), a case's history, the audit trail, search. Blocking psycopg
calls run in a worker thread on a few kept connections, as the read side's do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg

from fraud_dashboard.auth.who import Identity
from fraud_dashboard.decision_log import LogNotConfiguredError, on_log
from fraud_dashboard.label_publisher import LabelPublisher
from fraud_dashboard.log_connections import LogConnections
from fraudcore.decision_log.audit import AuditAction, record
from fraudcore.decision_log.cases import CaseKey, Verdict, find_case, read_case, record_verdict
from fraudcore.decision_log.search import SearchField, SearchKey, search
from fraudcore.schemas import Label, LabelSource, utcnow
from fraudcore.settings import DatabaseSettings

ANALYST_SCENARIO = "analyst"  # a fraud verdict names no scenario: the analyst's, until a chargeback
T = TypeVar("T")


class VerdictsNotConfiguredError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("verdicts need Kafka for their labels: set KAFKA_BOOTSTRAP_SERVERS")


def verdict_label(case: CaseKey, verdict: Verdict, analyst: str) -> Label | None:
    """The label a verdict sends (None for escalate)."""
    if verdict.is_fraud is None:
        return None
    return Label(
        transaction_id=case.transaction_id,
        is_fraud=verdict.is_fraud,
        scenario=ANALYST_SCENARIO if verdict.is_fraud else "genuine",
        labelled_at=utcnow(),
        source=LabelSource.ANALYST,
        analyst=analyst,
    )


@dataclass
class CaseLog:
    settings: DatabaseSettings | None
    publisher: LabelPublisher | None
    connections: LogConnections | None = field(default=None, repr=False)

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()
        if self.connections is not None:
            self.connections.close()

    async def _run(self, work: Callable[[psycopg.Connection], T], *, retry: bool = True) -> T:
        if self.settings is None:
            raise LogNotConfiguredError
        if self.connections is None:
            self.connections = LogConnections(self.settings)
        return await on_log(self.connections, work, retry=retry)

    async def give(
        self, transaction_id: str, who: Identity, verdict: Verdict, comment: str
    ) -> dict[str, Any] | None:
        """Records a verdict, its audit event, and sends its label, all or nothing; None when no
        decision is logged under ``transaction_id``."""
        publisher = self.publisher
        if publisher is None and verdict.is_fraud is not None:
            raise VerdictsNotConfiguredError

        def give(conn: psycopg.Connection) -> dict[str, Any] | None:
            found = find_case(conn, transaction_id)
            if found is None:
                return None
            case, card_id = found
            label = verdict_label(case, verdict, who.name)
            with conn.transaction():  # the label is sent inside: a send that fails records nothing
                entry = record_verdict(conn, case, who.name, verdict, comment)
                detail = {"verdict": verdict.value, "verdict_id": entry["verdict_id"]}
                record(
                    conn, actor=who.name, role=who.role.value, action=AuditAction.VERDICT,
                    transaction_id=transaction_id, detail=detail,
                )  # fmt: skip
                if label is not None and publisher is not None:
                    publisher.send(card_id, label)
            return entry | {"label": None if label is None else label.model_dump(mode="json")}

        return await self._run(give, retry=False)  # a verdict is never sent twice

    async def case(self, transaction_id: str, who: Identity | None) -> dict[str, Any] | None:
        def read(conn: psycopg.Connection) -> dict[str, Any] | None:
            found = find_case(conn, transaction_id)
            if found is None:
                return None
            if who is not None:
                record(
                    conn, actor=who.name, role=who.role.value, action=AuditAction.READ_CASE,
                    transaction_id=transaction_id,
                )  # fmt: skip
            return read_case(conn, found[0])

        return await self._run(read)

    async def audit_read(self, transaction_id: str, who: Identity) -> None:
        def write(conn: psycopg.Connection) -> None:
            record(
                conn, actor=who.name, role=who.role.value, action=AuditAction.READ_DECISION,
                transaction_id=transaction_id,
            )  # fmt: skip

        await self._run(write)

    async def search(
        self, q: str, fields: list[SearchField], limit: int, after: SearchKey | None
    ) -> dict[str, Any]:
        return await self._run(lambda conn: search(conn, q, fields, limit, after))
