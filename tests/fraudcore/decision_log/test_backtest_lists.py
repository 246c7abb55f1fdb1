"""A backtest reads the lists as they were when each payment was decided: a card listed after a
payment is not hit on it, nor after it was taken off or its entry expired; a card listed again is
hit again; a list never changed hits nothing; explicit lists are read as given."""

import datetime as dt

import numpy as np
import pytest

from fraudcore.decision_log import DecisionLogWriter
from fraudcore.decision_log.list_store import add, remove
from fraudcore.decision_log.rule_backtest import run
from fraudcore.rules import Action, RuleDefinition, Status
from fraudcore.rules.listed_at import FOREVER, ListHistory

WHO = {"actor": "ana", "role": "rules-admin", "reason": "test"}
LISTED = RuleDefinition(id="R30-BLOCKED-CARDS", version=1, expression="card_id in blocked_cards",
                        action=Action.BLOCK, reason="listed", status=Status.DRAFT)  # fmt: skip


def test_spans_answer_membership_at_each_instant() -> None:
    history = ListHistory({"blocked_cards": {"a": [(10, 20), (30, FOREVER)], "b": [(0, 5)]}})
    values = np.array(["a", "a", "a", "a", "b", "b", None, "c"], dtype=object)
    at = np.array([9, 10, 20, 31, 4, 5, 10, 10], dtype=np.int64)
    hits = history.members_at("blocked_cards", values, at)
    assert hits.tolist() == [False, True, False, True, True, False, False, False]
    assert not history.members_at("blocked_merchants", values, at).any()


@pytest.mark.integration
def test_a_backtest_tests_each_payment_against_the_entries_in_force_when_decided(
    decision_log, make_row
) -> None:
    def changed_at(revision: int) -> dt.datetime:
        return decision_log.execute(
            "SELECT changed_at FROM list_changes WHERE revision = %s", (revision,)
        ).fetchone()[0]  # fmt: skip

    add(decision_log, "blocked_cards", "card-1", **WHO)  # 1
    remove(decision_log, "blocked_cards", "card-1", **WHO)  # 2
    add(decision_log, "blocked_cards", "card-1", **WHO)  # 3: listed again, until now
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    add(decision_log, "blocked_cards", "card-2", expires_at=soon, **WHO)  # 4
    listed, removed, again, card_2 = (changed_at(r) for r in (1, 2, 3, 4))
    second = dt.timedelta(seconds=1)
    decided = {  # (card, decided at) -> hit
        ("card-1", listed - second): False,
        ("card-1", listed + (removed - listed) / 2): True,
        ("card-1", removed + (again - removed) / 2): False,
        ("card-1", again): True,
        ("card-1", again + dt.timedelta(days=30)): True,
        ("card-2", card_2 - second): False,
        ("card-2", soon - second): True,
        ("card-2", soon): False,
        ("card-3", again): False,
    }
    rows = [make_row(transaction_id=f"tx-{i}", card_id=card, decided_at=at)
            for i, (card, at) in enumerate(decided)]  # fmt: skip
    DecisionLogWriter(decision_log).write(rows)
    start, end = rows[0].event_time, rows[0].event_time + second
    (result,) = run(decision_log, [LISTED], start, end).backtests
    by_id = dict(zip(result.window.transaction.tolist(), result.hits.tolist(), strict=True))
    hashes = dict(decision_log.execute(
        "SELECT transaction_id, hashtextextended(transaction_id, 0) FROM decisions"
    ).fetchall())  # fmt: skip
    assert [by_id[hashes[row.transaction_id]] for row in rows] == list(decided.values())
    assert result.as_json()["hits"] == sum(decided.values())

    # Lists given are read as given, for every payment.
    (given,) = run(
        decision_log, [LISTED], start, end, lists={"blocked_cards": frozenset({"card-3"})}
    ).backtests
    assert given.as_json()["hits"] == 1
