"""A list entry added under traffic, through a real consumer process on a real broker, Redis and
PostgreSQL: the rule reading the list acts on every payment it names from 5 s after the entry
was added (none before), stops at the entry's expiry with nothing else written, and every
produced payment is scored and logged once. The stream runs until enough payments of the listed
country were decided after the expiry (by the clock, however slow the machine), then stops."""

import datetime as dt
import time

import pytest

from fraud_devstack.pipeline import topic_size
from fraud_devstack.services import wait_for
from fraudcore.decision_log import connect
from fraudcore.decision_log.list_store import add
from fraudcore.decision_log.rule_store import apply
from fraudcore.rules import Action, RuleDefinition, Status
from fraudcore.settings import KafkaSettings

pytestmark = pytest.mark.integration
WARM = 300  # scored before the steady stream starts
AFTER_EXPIRY = 20  # payments of the listed country decided after its expiry, to see it let through
EXPIRED_BY_S = 180.0  # a generous deadline for them on a busy machine
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
    # Traffic until enough was decided after the expiry (the count only caps a forgotten run);
    # the entry is added once it flows.
    steady = ("--rate", "150", "--count", "50000", "--label-delay", "600", "--run-id", "b")
    producer = pipeline.start_producer(*steady, name="producer-steady")
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

    def let_through() -> bool:
        with connect(database) as conn:
            (count,) = conn.execute(
                "SELECT count(*) FROM decisions WHERE country = %s AND decided_at >= %s",
                (country, expires_at + dt.timedelta(seconds=0.5)),
            ).fetchone()  # fmt: skip
        return int(count) >= AFTER_EXPIRY

    wait_for(let_through, EXPIRED_BY_S, f"{AFTER_EXPIRY} payments of {country} after the expiry",
             interval_s=0.5)  # fmt: skip
    producer.stop()
    produced = topic_size(KafkaSettings(kafka_bootstrap_servers=pipeline.kafka),
                          pipeline.topics.topic_transactions)  # fmt: skip
    pipeline.wait_scored(produced, timeout_s=180)
    time.sleep(1)  # anything scored twice would show now

    with connect(database) as conn:
        rows = conn.execute(
            "SELECT transaction_id, decided_at, decision, rules, country FROM decisions"
        ).fetchall()
    assert len(rows) == len({row[0] for row in rows}) == pipeline.scored() == produced
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
    assert len(expired) >= AFTER_EXPIRY
    assert not any(RULE.id in row[3] for row in expired)
    delay_s = (min(row[1] for row in fired) - added_at).total_seconds()
    assert 0 <= delay_s < 5
    print(f"the entry acted {delay_s:.2f} s after it was added; {len(acting)} payments blocked "
          f"while it held, {len(expired)} of {country} after its expiry let through")  # fmt: skip
