"""Shadow rules against the live policy, from the decision log: for each rule version that ran
in shadow, on the payments decided while it did, how often it would have fired, how much of that
the model's alerts and the active rules already covered, how many alerts it would add, and its
precision as labels arrive (an unlabelled payment is unknown, never counted as genuine).

When a version ran in shadow comes from the audit trail (each ``rule_change`` to and from
``shadow``); its payments are those decided in that time with the rule columns logged (0007).
Consumers pick a change up within about a second, so the edges of a period are that fuzzy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from fraudcore.decision_log.audit import AuditAction
from fraudcore.decision_log.comparison import Rate
from fraudcore.decision_log.contract import AUDIT, DECISIONS, LABELS

_COMPARE = sql.SQL("""
WITH changes AS (
    SELECT detail->>'rule_id' AS rule_id, (detail->>'version')::int AS version, at,
           detail->'after'->>'status' AS status,
           lead(at) OVER (PARTITION BY detail->>'rule_id', detail->>'version'
                          ORDER BY event_id) AS next_at
    FROM {audit} WHERE action = %(action)s
), periods AS (
    SELECT rule_id, version, at AS since, coalesce(next_at, 'infinity') AS until
    FROM changes WHERE status = 'shadow'
), logged AS MATERIALIZED (
    SELECT d.decided_at, d.decision, cardinality(d.rules) > 0 AS by_rules,
           d.score >= d.review_threshold AS by_model, d.shadow_rules, d.shadow_rule_versions,
           l.is_fraud
    FROM {decisions} d LEFT JOIN {labels} l USING (transaction_id, event_time)
    WHERE d.event_time >= %(since)s AND d.event_time < %(until)s AND d.shadow_rules IS NOT NULL
), evaluated AS (
    SELECT p.rule_id, p.version, count(*) AS payments
    FROM periods p JOIN logged w ON w.decided_at >= p.since AND w.decided_at < p.until
    GROUP BY 1, 2
), fired AS (
    SELECT s.rule_id, s.version, count(*) AS hits,
           count(*) FILTER (WHERE w.by_model) AS with_model,
           count(*) FILTER (WHERE w.by_rules) AS with_rules,
           count(*) FILTER (WHERE w.decision = 'approve') AS new_alerts,
           count(w.is_fraud) AS labelled,
           count(*) FILTER (WHERE w.is_fraud) AS frauds,
           count(*) FILTER (WHERE w.is_fraud AND w.decision = 'approve') AS frauds_missed
    FROM logged w CROSS JOIN LATERAL unnest(w.shadow_rules, w.shadow_rule_versions)
        AS s(rule_id, version)
    GROUP BY 1, 2
)
SELECT rule_id, version, coalesce(e.payments, 0), coalesce(f.hits, 0),
       coalesce(f.with_model, 0), coalesce(f.with_rules, 0), coalesce(f.new_alerts, 0),
       coalesce(f.labelled, 0), coalesce(f.frauds, 0), coalesce(f.frauds_missed, 0)
FROM evaluated e FULL JOIN fired f USING (rule_id, version)
ORDER BY rule_id, version
""").format(
    audit=sql.Identifier(AUDIT), decisions=sql.Identifier(DECISIONS), labels=sql.Identifier(LABELS)
)


@dataclass(frozen=True)
class ShadowComparison:
    rule_id: str
    version: int
    payments: int  # decided while the version ran in shadow
    hits: int  # of them, where it would have fired
    with_model: int  # hits the model alerted on too (score at or above the review threshold)
    with_rules: int  # hits where an active rule fired too
    new_alerts: int  # hits the live policy approved: alerts it would add
    labelled: int  # hits whose label has arrived
    frauds: int  # labelled frauds among the hits
    frauds_missed: int  # of them, approved by the live policy: frauds it would have caught

    @property
    def hit_rate(self) -> Rate:
        return Rate(self.hits, self.payments)

    @property
    def precision(self) -> Rate:
        return Rate(self.frauds, self.labelled)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "version": self.version,
            "payments": self.payments,
            "hits": self.hits,
            "hit_rate": self.hit_rate.as_json(),
            "overlap_with_model": Rate(self.with_model, self.hits).as_json(),
            "overlap_with_active_rules": Rate(self.with_rules, self.hits).as_json(),
            "new_alerts": self.new_alerts,
            "labelled": self.labelled,
            "precision": self.precision.as_json(),
            "frauds_the_policy_missed": self.frauds_missed,
        }


def compare(
    conn: psycopg.Connection, since: dt.datetime, until: dt.datetime
) -> list[ShadowComparison]:
    """Each rule version that ran in shadow, or fired in shadow, on payments of event time in
    [since, until), by rule id and version."""
    params = {"action": AuditAction.RULE_CHANGE.value, "since": since, "until": until}
    return [ShadowComparison(*row) for row in conn.execute(_COMPARE, params).fetchall()]
