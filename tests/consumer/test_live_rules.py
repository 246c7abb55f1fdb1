"""The consumer decides with the rules in the decision log's database: a rule applied while it
runs acts on the next batches (read by the poller, no restart), a shadow rule is logged as
"would have fired" and acts on nothing, is compared live from the log, is promoted with one
action, and every decision logs the versions that fired."""

import datetime as dt
import time

import pytest

from fraudcore.decision_log import connect
from fraudcore.decision_log.rule_store import apply, set_status
from fraudcore.decision_log.shadow_rules import compare
from fraudcore.rules import Action, RuleDefinition, Status
from fraudcore.schemas import Decision

pytestmark = pytest.mark.integration


def logged_rules(settings) -> dict[str, tuple]:
    with connect(settings) as conn:
        rows = conn.execute(
            "SELECT transaction_id, decision, rules, rule_versions, shadow_rules, "
            "shadow_rule_versions FROM decisions"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def wait_for_revision(consumer, revision: int, timeout_s: float = 5.0) -> float:
    began = time.monotonic()
    while consumer.pipeline.rules.source.current().revision < revision:
        assert time.monotonic() - began < timeout_s, "the rules were not reloaded in time"
        time.sleep(0.02)
    return time.monotonic() - began


@pytest.mark.alone
def test_rules_applied_live_act_and_shadow_rules_only_log(
    inprocess_consumer_factory, decision_log_factory, transactions
) -> None:
    database = decision_log_factory()
    consumer = inprocess_consumer_factory(database_url=database.database_url, rules_poll_s=0.2)
    txs = transactions(30)
    consumer.score(txs[:10])
    assert consumer.pipeline.rules.source.current().revision == 0  # the baseline
    before = logged_rules(database)
    assert all(versions == [1] * len(rules) for _, rules, versions, *_ in before.values())
    assert all(shadow == [] for *_, shadow, _ in before.values())

    big = RuleDefinition(id="R10-BIG", version=1, expression="amount > 500", action=Action.BLOCK,
                         reason="big", status=Status.SHADOW)  # fmt: skip
    with connect(database) as conn:
        apply(conn, [big], actor="ana", role="rules-admin")
    wait_for_revision(consumer, 1)
    shadowed = consumer.score(txs[10:20])
    rows = logged_rules(database)
    big_ones = [tx.transaction_id for tx in txs[10:20] if tx.amount > 500]
    assert big_ones
    approved_big = sum(rows[tx_id][0] == "approve" for tx_id in big_ones)
    for tx_id in big_ones:
        decision, rules, _, shadow, shadow_versions = rows[tx_id]
        assert (shadow, shadow_versions) == (["R10-BIG"], [1])
        assert "R10-BIG" not in rules
    assert all(o.decision is not Decision.BLOCK or "R10-BIG" not in o.rules
               for o in shadowed.outputs)  # fmt: skip

    with connect(database) as conn:
        set_status(conn, "R10-BIG", 1, Status.ACTIVE, actor="ana", role="rules-admin")
    delay = wait_for_revision(consumer, 2)
    consumer.score(txs[20:])
    rows = logged_rules(database)
    for tx in txs[20:]:
        decision, rules, versions, shadow, _ = rows[tx.transaction_id]
        assert decision == "block"
        assert "R10-BIG" in rules
        assert versions[rules.index("R10-BIG")] == 1
        assert shadow == []
    assert delay < 1.0

    # Compared live from the log: the payments decided while it ran in shadow, and its hits.
    day = txs[0].event_time
    with connect(database) as conn:
        (shadow,) = compare(conn, day - dt.timedelta(days=1), day + dt.timedelta(days=1))
    assert (shadow.rule_id, shadow.version) == ("R10-BIG", 1)
    assert (shadow.payments, shadow.hits) == (10, len(big_ones))
    assert shadow.new_alerts == approved_big
