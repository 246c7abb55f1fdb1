"""Shadow rules compared live from the log: on the payments decided while a version ran in
shadow (by the audit trail), how often it would have fired, its overlap with the model's alerts
and the active rules, the alerts it would add, and its precision on labelled payments."""

import datetime as dt
import time

import pytest

from fraudcore.decision_log import DecisionLogWriter, apply_labels
from fraudcore.decision_log.rule_store import apply, history, set_status
from fraudcore.decision_log.shadow_rules import compare
from fraudcore.rules import Action, RuleDefinition, Status
from fraudcore.schemas import Decision, Label

pytestmark = pytest.mark.integration
SHADOW = RuleDefinition(id="R40-BIG", version=1, expression="amount > 100", action=Action.REVIEW,
                        reason="big", status=Status.SHADOW)  # fmt: skip


def test_a_shadow_version_against_the_live_policy(decision_log, make_row) -> None:
    conn = decision_log
    apply(conn, [SHADOW], actor="ana", role="rules-admin")
    time.sleep(0.05)
    set_status(conn, "R40-BIG", 1, Status.RETIRED, actor="ana", role="rules-admin")
    shadowed, retired = [e["at"] for e in history(conn, "R40-BIG")]
    during = shadowed + (retired - shadowed) / 2

    def row(decided_at: dt.datetime, fired: bool, **fields: object):
        would = {"shadow_rules": ["R40-BIG"], "shadow_rule_versions": [1]} if fired else {
            "shadow_rules": [], "shadow_rule_versions": []}  # fmt: skip
        return make_row(decided_at=decided_at, rule_versions=[1] * len(fields.get("rules", [])),
                        **would, **fields)  # fmt: skip

    rows = [
        row(during, True, score=0.9, decision=Decision.REVIEW, reasons=["amount"]),  # the model's
        row(during, True, score=0.1),  # approved: an alert it adds, a fraud the policy missed
        row(during, True, score=0.1, decision=Decision.REVIEW, rules=["R01-IMPOSSIBLE-TRAVEL"]),
        row(during, False),
        row(shadowed - dt.timedelta(seconds=1), False),  # before it ran
        row(retired + dt.timedelta(seconds=1), False),  # after
    ]
    DecisionLogWriter(conn).write(rows)
    labelled_at = rows[0].event_time + dt.timedelta(days=1)
    apply_labels(conn, [
        Label(transaction_id=rows[1].transaction_id, is_fraud=True, scenario="x",
              labelled_at=labelled_at),
        Label(transaction_id=rows[2].transaction_id, is_fraud=False, scenario="genuine",
              labelled_at=labelled_at),
    ])  # fmt: skip

    day = rows[0].event_time
    (found,) = compare(conn, day - dt.timedelta(days=1), day + dt.timedelta(days=1))
    figures = found.as_json()
    assert (found.rule_id, found.version, found.payments, found.hits) == ("R40-BIG", 1, 4, 3)
    assert figures["hit_rate"]["value"] == 0.75
    assert (found.with_model, found.with_rules, found.new_alerts) == (1, 1, 1)
    assert (found.labelled, found.frauds, found.frauds_missed) == (2, 1, 1)
    assert figures["precision"]["value"] == 0.5
    assert compare(conn, day + dt.timedelta(days=1), day + dt.timedelta(days=2)) == []
