"""The consumer reads the lists from the decision log's database: an entry added while it runs
acts on the next batches (the poller's reload, no query per payment) and stops at its expiry
with nothing written; a confirmed fraud label lists its card and R05 blocks the card's next
payments, logged with the rule's version."""

import datetime as dt
import time

import pytest

from fraudcore.decision_log import connect
from fraudcore.decision_log.list_store import add, entries
from fraudcore.decision_log.rule_store import apply
from fraudcore.rules import Action, RuleDefinition, Status
from fraudcore.rules.baseline import KNOWN_COMPROMISED
from fraudcore.rules.lists import COMPROMISED_CARDS, Source
from fraudcore.schemas import Label, LabelSource

pytestmark = pytest.mark.integration
BLOCKED = RuleDefinition(
    id="R30-BLOCKED-CARDS", version=1, expression="card_id in blocked_cards",
    action=Action.BLOCK, reason="cards on the block list", status=Status.ACTIVE,
)  # fmt: skip


def wait_for_lists(consumer, revision: int, timeout_s: float = 5.0) -> float:
    began = time.monotonic()
    while consumer.pipeline.rules.source.current().lists_revision < revision:
        assert time.monotonic() - began < timeout_s, "the lists were not reloaded in time"
        time.sleep(0.02)
    return time.monotonic() - began


def logged(settings, ids) -> dict[str, tuple]:
    with connect(settings) as conn:
        rows = conn.execute(
            "SELECT transaction_id, decision, rules, rule_versions FROM decisions "
            "WHERE transaction_id = ANY(%s)", (list(ids),)
        ).fetchall()  # fmt: skip
    return {row[0]: row[1:] for row in rows}


@pytest.mark.alone
def test_an_entry_acts_within_a_poll_and_stops_at_its_expiry(
    inprocess_consumer_factory, decision_log_factory, transactions
) -> None:
    database = decision_log_factory()
    consumer = inprocess_consumer_factory(database_url=database.database_url, rules_poll_s=0.2)
    txs = transactions(28)  # cards card-0 ... card-6, a minute apart
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)
    with connect(database) as conn:
        apply(conn, [BLOCKED], actor="ana", role="rules-admin")
        add(conn, "blocked_cards", "card-3", actor="ana", role="rules-admin", reason="stolen",
            expires_at=expires)  # fmt: skip
    delay = wait_for_lists(consumer, 1)
    consumer.score(txs[:14])
    rows = logged(database, [tx.transaction_id for tx in txs[:14]])
    on_list = [tx.transaction_id for tx in txs[:14] if tx.card_id == "card-3"]
    assert len(on_list) == 2
    assert len(rows) == 14
    for tx_id, (decision, rules, versions) in rows.items():
        assert ("R30-BLOCKED-CARDS" in rules) is (tx_id in on_list)
        if tx_id in on_list:
            assert decision == "block"
            assert versions[rules.index("R30-BLOCKED-CARDS")] == 1

    # Past the expiry, with nothing written: the consumer's clock ends the entry.
    time.sleep(max(0.0, (expires - dt.datetime.now(dt.UTC)).total_seconds()) + 0.1)
    consumer.score(txs[14:])
    later = logged(database, [tx.transaction_id for tx in txs[14:]])
    assert len(later) == 14
    assert all("R30-BLOCKED-CARDS" not in rules for _, rules, _ in later.values())
    assert consumer.pipeline.rules.source.current().lists_revision == 1
    assert delay < 1.0


def test_a_confirmed_fraud_lists_its_card_and_r05_blocks_it(
    inprocess_consumer_factory, decision_log_factory, transactions
) -> None:
    database = decision_log_factory()
    consumer = inprocess_consumer_factory(database_url=database.database_url, rules_poll_s=0.2)
    txs = transactions(21)
    consumer.score(txs[:7])  # one payment of each card
    fraud, genuine = txs[2], txs[4]
    verdict = Label(transaction_id=fraud.transaction_id, is_fraud=True, scenario="stolen_card",
                    labelled_at=fraud.event_time + dt.timedelta(minutes=5),
                    source=LabelSource.ANALYST, analyst="ana")  # fmt: skip
    cleared = Label(transaction_id=genuine.transaction_id, is_fraud=False, scenario="genuine",
                    labelled_at=genuine.event_time + dt.timedelta(minutes=5))  # fmt: skip
    assert consumer.apply_labels([(fraud.card_id, verdict), (genuine.card_id, cleared)]) == []
    assert consumer.apply_labels([(fraud.card_id, verdict)]) == []  # redelivered: listed once
    with connect(database) as conn:
        (entry,) = entries(conn, COMPROMISED_CARDS)
        changes = conn.execute(
            "SELECT count(*) FROM audit_events WHERE action = 'list_change'"
        ).fetchone()  # fmt: skip
    assert (entry["value"], entry["source"], entry["added_by"]) == (
        fraud.card_id, Source.VERDICT, "ana"
    )  # fmt: skip
    assert entry["transaction_id"] == fraud.transaction_id
    assert changes == (1,)

    wait_for_lists(consumer, 1)
    consumer.score(txs[7:])
    rows = logged(database, [tx.transaction_id for tx in txs[7:]])
    for tx in txs[7:]:
        decision, rules, versions = rows[tx.transaction_id]
        compromised = tx.card_id == fraud.card_id
        assert (KNOWN_COMPROMISED.id in rules) is compromised
        if compromised:
            assert decision == "block"
            assert versions[rules.index(KNOWN_COMPROMISED.id)] == 1
