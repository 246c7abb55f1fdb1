"""The decision log read from the host, straight from PostgreSQL through its Service (the
accounting's second source of truth beside Redis), and through the dashboard's API as a user
reads it (`GET /api/decisions/{id}` behind `kubectl port-forward`)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from fraud_k8se2e.database import InClusterPostgres
from fraudcore.decision_log.contract import DECISIONS, MIGRATIONS

SAMPLE = 25  # decisions of the plain case looked up through the dashboard
COMPARED = ("transaction_id", "decision", "model_version")


@dataclass
class DecisionLog:
    database: InClusterPostgres

    def _query(self, query: sql.Composed, *params: Any) -> list[dict[str, Any]]:
        dsn = self.database.dsn(self.database.address())
        with psycopg.connect(dsn, connect_timeout=10, row_factory=dict_row) as conn:
            found: list[dict[str, Any]] = conn.execute(query, params).fetchall()
        return found

    def rows_by_id(self, id_prefix: str) -> Counter[str]:
        """Rows logged per transaction id starting with ``id_prefix``."""
        query = sql.SQL(
            "SELECT transaction_id, count(*) AS n FROM {} WHERE starts_with(transaction_id, %s) "
            "GROUP BY transaction_id"
        ).format(sql.Identifier(DECISIONS))
        return Counter({row["transaction_id"]: row["n"] for row in self._query(query, id_prefix)})

    def rows_per_id(self) -> dict[str, int]:
        """The whole log: rows, and rows beyond one per transaction id."""
        query = sql.SQL(
            "SELECT count(*) AS rows, count(*) - count(DISTINCT transaction_id) AS doubled FROM {}"
        ).format(sql.Identifier(DECISIONS))
        (found,) = self._query(query)
        return {"rows": int(found["rows"]), "doubled": int(found["doubled"])}

    def sample(self, id_prefix: str, count: int = SAMPLE) -> list[dict[str, Any]]:
        """``count`` logged decisions of one case spread over it (every n-th id in order)."""
        query = sql.SQL(
            "SELECT transaction_id, decision, score, model_version FROM {} "
            "WHERE starts_with(transaction_id, %s) ORDER BY transaction_id"
        ).format(sql.Identifier(DECISIONS))
        rows = self._query(query, id_prefix)
        return rows[:: max(1, len(rows) // count)][:count]

    def migrations(self) -> list[int]:
        query = sql.SQL("SELECT version FROM {} ORDER BY version").format(
            sql.Identifier(MIGRATIONS)
        )
        return [int(row["version"]) for row in self._query(query)]


def same_decision(logged: dict[str, Any], answered: dict[str, Any]) -> bool:
    """The dashboard answered the decision the log holds (the score to float precision)."""
    return all(answered.get(name) == logged[name] for name in COMPARED) and math.isclose(
        float(answered.get("score", math.nan)), float(logged["score"]), rel_tol=1e-9
    )


def look_up(url: str, logged: list[dict[str, Any]], unknown_id: str) -> dict[str, Any]:
    """`GET /api/decisions/{id}` for each logged decision and for an id never sent."""
    statuses: Counter[int] = Counter()
    matching = labelled = 0
    with httpx.Client(base_url=url, timeout=10) as http:
        for row in logged:
            response = http.get(f"/api/decisions/{row['transaction_id']}")
            statuses[response.status_code] += 1
            answered = response.json() if response.status_code == 200 else {}
            matching += isinstance(answered, dict) and same_decision(row, answered)
            labelled += isinstance(answered, dict) and answered.get("label") is not None
        missing = http.get(f"/api/decisions/{unknown_id}").status_code
    return {
        "url": f"{url}/api/decisions/{{id}} (kubectl port-forward)",
        "looked_up": len(logged),
        "statuses": {str(code): n for code, n in sorted(statuses.items())},
        "same_as_the_log": matching,
        "with_label_joined": labelled,
        "unknown_id_status": missing,
    }
