"""A rule activated under traffic, through a real consumer process on a real broker, Redis and
PostgreSQL: it acts on every payment decided from 5 s after it was applied (none before it),
without a restart, and every produced payment is scored and logged once."""

import datetime as dt
import time

import pytest

from fraud_devstack.services import wait_for
from fraudcore.decision_log import connect
from fraudcore.decision_log.rule_store import apply
from fraudcore.rules import Action, RuleDefinition, Status

pytestmark = pytest.mark.integration
COUNT = 1_600
RULE = RuleDefinition(
    id="R20-EVERYTHING", version=1, expression="amount > 0", action=Action.BLOCK,
    reason="blocks every payment: the test sees at once where it acted", status=Status.ACTIVE,
)  # fmt: skip


def test_a_rule_activated_under_traffic_acts_within_5_s(
    pipeline_factory, decision_log_factory
) -> None:
    database = decision_log_factory()
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded", DATABASE_URL=database.database_url)
    before_rule = ("--rate", "200", "--count", "400", "--label-delay", "600", "--run-id", "a")
    pipeline.start_producer(*before_rule)
    pipeline.wait_scored(400, timeout_s=120)

    # 12 s of traffic; the rule is applied once it flows.
    after_rule = ("--rate", "100", "--count", "1200", "--label-delay", "600", "--run-id", "b")
    pipeline.start_producer(*after_rule, name="producer-after")
    wait_for(lambda: pipeline.scored() >= 500, 120, "the second stream scored")
    with connect(database) as conn:
        apply(conn, [RULE], actor="test", role="rules-admin")
        applied_at = conn.execute("SELECT now()").fetchone()[0]
    pipeline.wait_scored(COUNT, timeout_s=120)
    time.sleep(1)  # anything scored twice would show now

    with connect(database) as conn:
        rows = conn.execute(
            "SELECT transaction_id, decided_at, decision, rules, rule_versions FROM decisions"
        ).fetchall()
    assert len(rows) == len({row[0] for row in rows}) == pipeline.scored() == COUNT
    fired = [row for row in rows if "R20-EVERYTHING" in row[3]]
    first = min(row[1] for row in fired)
    before = [row for row in rows if row[1] < applied_at]
    late = [row for row in rows if row[1] >= applied_at + dt.timedelta(seconds=5)]
    assert len(before) >= 500
    assert not any("R20-EVERYTHING" in row[3] for row in before)
    assert len(late) >= 200  # about half the second stream
    assert all(row[2] == "block" and "R20-EVERYTHING" in row[3] for row in late)
    assert all(row[4][row[3].index("R20-EVERYTHING")] == 1 for row in fired)
    delay_s = (first - applied_at).total_seconds()
    assert 0 <= delay_s < 5
    print(f"the rule acted {delay_s:.2f} s after it was applied; {len(late)} decided after 5 s")
