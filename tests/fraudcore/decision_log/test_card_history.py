"""A card's decisions read back newest first, through the card index."""

import datetime as dt
import re

import pytest

from fraudcore.decision_log import DecisionLogWriter
from fraudcore.decision_log.card_history import _BY_CARD, card_decisions

pytestmark = pytest.mark.integration
T0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def test_newest_first_up_to_a_moment_and_through_the_index(decision_log, make_row) -> None:
    rows = [
        make_row(transaction_id=f"tx-{card}-{i}", card_id=card,
                 event_time=T0 + dt.timedelta(hours=9 * i), merchant_name=f"Shop {i}")
        for card in ("card-a", "card-b") for i in range(5)
    ]  # fmt: skip
    DecisionLogWriter(decision_log).write(rows)

    found = card_decisions(decision_log, "card-a")
    assert [item["transaction_id"] for item in found] == [
        f"tx-card-a-{i}" for i in range(4, -1, -1)
    ]
    assert found[0]["merchant_name"] == "Shop 4"
    assert found[0]["label"] is None
    upto = card_decisions(decision_log, "card-a", limit=2, until=T0 + dt.timedelta(hours=18))
    assert [item["transaction_id"] for item in upto] == ["tx-card-a-2", "tx-card-a-1"]
    with pytest.raises(ValueError, match="limit"):
        card_decisions(decision_log, "card-a", limit=0)
    with pytest.raises(ValueError, match="time zone"):
        card_decisions(decision_log, "card-a", until=dt.datetime(2026, 11, 2))

    decision_log.execute("SET enable_seqscan = off")  # small tables: ask whether it can be used
    params = {"card": "card-a", "until": T0 + dt.timedelta(days=9), "limit": 20}
    plan = "\n".join(
        row[0]
        for row in decision_log.execute(b"EXPLAIN " + _BY_CARD.as_bytes(decision_log), params)
    )
    # Each day partition's copy of decisions_by_card, named after its columns, answers for the card.
    assert re.search(r"Index (Only )?Scan using \S*card_id\S* on decisions_\S+", plan), plan
    assert "Index Cond: ((card_id = " in plan, plan
