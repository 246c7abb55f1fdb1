"""A list entry added under traffic, through a real consumer process on a real broker, Redis and
PostgreSQL: the rule reading the list acts on every payment it names from 5 s after the entry
was added (none before), stops at the entry's expiry with nothing else written, and every
produced payment is scored and logged once."""

import datetime as dt
import time

import pytest

from fraud_devstack.services import wait_for
from fraudcore.decision_log import connect
from fraudcore.decision_log.list_store import add
from fraudcore.decision_log.rule_store import apply
from fraudcore.rules import Action, RuleDefinition, Status

pytestmark = pytest.mark.integration
COUNT = 2_100
WARM = 300  # scored before the steady stream starts
RULE = RuleDefinition(
    id="R31-BLOCKED-COUNTRIES", version=1, expression="country in blocked_countries",
    action=Action.BLOCK, reason="payments from a blocked country", status=Status.ACTIVE,
)  # fmt: skip
EXPIRES_S = 8.0


def test_a_list_entry_added_under_traffic_acts_within_5_s_and_expires(
    pipeline_factory, decision_log_factory
) -> None:
    database = decision_log_factory()
    with connect(database) as conn:
        apply(conn, [RULE], actor="test", role="rules-admin")  # the rule first, the list empty
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded", DATABASE_URL=database.database_url)
    warm = ("--rate", "300", "--count", str(WARM), "--label-delay", "600", "--run-id", "a")
    pipeline.start_producer(*warm)
    pipeline.wait_scored(WARM, timeout_s=120)
    # 12 s of traffic; the entry is added once it flows.
    steady = ("--rate", "150", "--count", str(COUNT - WARM), "--label-delay", "600",
              "--run-id", "b")  # fmt: skip
    pipeline.start_producer(*steady, name="producer-steady")
    wait_for(lambda: pipeline.scored() >= WARM + 150, 120, "the steady stream scored")
    with connect(database) as conn:
        (country,) = conn.execute(  # the country most payments come from so far
            "SELECT country FROM decisions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()  # fmt: skip
        expires_at = conn.execute(
            "SELECT now() + make_interval(secs => %s)", (EXPIRES_S,)
        ).fetchone()[0]  # fmt: skip
        add(conn, "blocked_countries", country, actor="test", role="rules-admin",
            reason="under traffic", expires_at=expires_at)  # fmt: skip
        added_at = conn.execute("SELECT added_at FROM list_entries").fetchone()[0]
    pipeline.wait_scored(COUNT, timeout_s=180)
    time.sleep(1)  # anything scored twice would show now

    with connect(database) as conn:
        rows = conn.execute(
            "SELECT transaction_id, decided_at, decision, rules, country FROM decisions"
        ).fetchall()
    assert len(rows) == len({row[0] for row in rows}) == pipeline.scored() == COUNT
    named = [row for row in rows if row[4] == country]
    fired = [row for row in rows if RULE.id in row[3]]
    assert {row[4] for row in fired} == {country}
    before = [row for row in named if row[1] < added_at]
    acting = [
        row for row in named
        if added_at + dt.timedelta(seconds=5) <= row[1] < expires_at - dt.timedelta(seconds=0.5)
    ]  # fmt: skip
    expired = [row for row in named if row[1] >= expires_at + dt.timedelta(seconds=0.5)]
    assert len(before) >= 100
    assert not any(RULE.id in row[3] for row in before)
    assert len(acting) >= 50
    assert all(row[2] == "block" and RULE.id in row[3] for row in acting)
    assert len(expired) >= 20
    assert not any(RULE.id in row[3] for row in expired)
    delay_s = (min(row[1] for row in fired) - added_at).total_seconds()
    assert 0 <= delay_s < 5
    print(f"the entry acted {delay_s:.2f} s after it was added; {len(acting)} payments blocked "
          f"while it held, {len(expired)} of {country} after its expiry let through")  # fmt: skip
