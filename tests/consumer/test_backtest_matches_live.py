"""Backtest figures match what the rules did live: a simulated week of the world's traffic
through the real producer, broker, consumer process and decision log, decided by the baseline
rules (R05 reading the cards the week's fraud labels listed), a rule on the payment's own fields
and a shadow rule; then every one of them backtested over that week from the log. Each fires on
exactly the decisions whose logged rules (or shadow rules) name it: the same count as the log's
own, no row where only one of them did. R05 reads each card's listing as of the instant each
payment was decided; a consumer picks a change up within its poll, so the only hits the live
decisions may lack are payments decided in the seconds after their card's listing."""

import datetime as dt

import numpy as np
import pytest

from fraud_devstack.services import wait_for
from fraudcore.decision_log import connect
from fraudcore.decision_log.rule_backtest import in_force, run
from fraudcore.decision_log.rule_store import apply
from fraudcore.rules import BASELINE_RULES, Action, RuleDefinition, Status
from fraudcore.rules.reads import reads

pytestmark = pytest.mark.integration
PICKED_UP_S = 5.0  # a change reaches every consumer within this (a poll a second, and a batch)
FIELDS_RULE = RuleDefinition(
    id="R30-ONLINE-DEVICE", version=1, action=Action.REVIEW, status=Status.ACTIVE,
    expression="channel == 'online' and not missing(device_id) and amount > 150",
    reason="online payments over 150 from a known device: a rule on the payment's own fields",
)  # fmt: skip
SHADOW_RULE = RuleDefinition(
    id="R31-NIGHT-NEW-COUNTRY", version=1, action=Action.BLOCK, status=Status.SHADOW,
    expression="is_night or new_country", reason="would block, in shadow",
)  # fmt: skip


def test_backtests_of_the_rules_in_force_fire_where_they_fired_live(
    pipeline_factory, decision_log_factory
) -> None:
    database = decision_log_factory()
    with connect(database) as conn:
        apply(conn, [FIELDS_RULE, SHADOW_RULE], actor="test", role="rules-admin")
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded", DATABASE_URL=database.database_url)
    report = pipeline.stream(
        None, rate=100, pace="world", speed=25_000.0, days=7, customers=300, history_days=2,
        label_delay_s=None,
    )  # fmt: skip
    pipeline.wait_scored(report.transactions, timeout_s=120)

    def logged() -> int:
        with connect(database) as conn:
            return int(conn.execute("SELECT count(*) FROM decisions").fetchone()[0])

    wait_for(lambda: logged() == report.transactions, 60, "every decision logged")
    with connect(database) as conn:
        first, last = conn.execute(
            "SELECT min(event_time), max(event_time) FROM decisions"
        ).fetchone()
        rules = [*in_force(conn), SHADOW_RULE]
        done = run(conn, rules, first, last + dt.timedelta(microseconds=1))
        counts = {
            rule.id: conn.execute(
                "SELECT count(*) FILTER (WHERE %(id)s = ANY(rules)), "
                "count(*) FILTER (WHERE %(id)s = ANY(shadow_rules)) FROM decisions",
                {"id": rule.id},
            ).fetchone()
            for rule in rules
        }
    assert (last - first).days >= 6  # a simulated week
    assert {r.id for r in rules} == {
        *(r.id for r in BASELINE_RULES),
        FIELDS_RULE.id,
        SHADOW_RULE.id,
    }
    figures = {b.rule.id: b.as_json() for b in done.backtests}
    for rule_id, (fired, shadowed) in counts.items():
        live = figures[rule_id]["live"]
        assert figures[rule_id]["window"]["decisions"] == report.transactions
        expected = shadowed if rule_id == SHADOW_RULE.id else fired
        assert (live["fired"], live["shadow"]) == (fired, shadowed), rule_id
        print(f"{rule_id}: {expected} hits live, {figures[rule_id]['hits']} in the backtest")
        if reads(next(r for r in rules if r.id == rule_id).expression).lists:
            assert live["live_only"] == 0, rule_id
            lags = picked_up(database, next(b for b in done.backtests if b.rule.id == rule_id))
            assert len(lags) == live["backtest_only"], rule_id
            assert all(lag < PICKED_UP_S for lag in lags), (rule_id, lags)
            assert figures[rule_id]["hits"] == expected + len(lags), rule_id
            continue
        assert figures[rule_id]["hits"] == expected, rule_id
        assert live["backtest_only"] == live["live_only"] == 0, rule_id
    assert figures[FIELDS_RULE.id]["hits"] > 0
    assert figures[SHADOW_RULE.id]["hits"] > 0
    assert sum(figures[r.id]["hits"] for r in BASELINE_RULES) > 0


def picked_up(database, result) -> list[float]:
    """For each payment the backtest hits and the live decision did not, the seconds between
    its card's listing and its decision."""
    logged = result.window.logged[result.rule.id]
    only = result.window.transaction[result.hits & ~logged.fired & ~logged.shadow]
    with connect(database) as conn:
        lags = conn.execute(
            "SELECT extract(epoch FROM d.decided_at - max(c.changed_at)) FROM decisions d "
            "JOIN list_changes c ON c.value = d.card_id AND c.changed_at <= d.decided_at "
            "WHERE hashtextextended(d.transaction_id, 0) = ANY(%s) "
            "GROUP BY d.transaction_id, d.decided_at",
            (np.asarray(only).tolist(),),
        ).fetchall()
    print(f"{len(lags)} hits decided {sorted(float(lag) for (lag,) in lags)} s after the listing")
    return [float(lag) for (lag,) in lags]
