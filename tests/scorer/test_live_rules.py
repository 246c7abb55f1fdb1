"""The scorer decides with the rules and lists in force, as the consumers do (real PostgreSQL,
real Redis, a real model): the baseline with its versions until a rule is written; a rule
activated while it runs, and an entry listed, change its answer within seconds, no restart;
until the rules were read once, scoring answers 503 rather than decide without them."""

import datetime as dt
import time

import pytest

from fraudcore.decision_log import connect
from fraudcore.decision_log.list_store import add
from fraudcore.decision_log.rule_store import apply, set_status
from fraudcore.rules import Action, RuleDefinition, Status
from fraudcore.schemas import Transaction

pytestmark = pytest.mark.integration
EXAMPLE = Transaction.model_json_schema()["examples"][0]
BIG = RuleDefinition(id="R10-BIG", version=1, expression="amount > 400", action=Action.BLOCK,
                     reason="big", status=Status.SHADOW)  # fmt: skip
LISTED = RuleDefinition(id="R30-BLOCKED-CARDS", version=1, expression="card_id in blocked_cards",
                        action=Action.BLOCK, reason="listed", status=Status.ACTIVE)  # fmt: skip


def score(client, **changes: object) -> dict:
    response = client.post("/v1/score", json={**EXAMPLE, **changes})
    assert response.status_code == 200, response.text
    return response.json()


def answered_within(client, wanted, timeout_s: float = 10.0, **changes: object) -> float:
    began = time.monotonic()
    while not wanted(body := score(client, **changes)):
        assert time.monotonic() - began < timeout_s, f"still answering {body}"
        time.sleep(0.05)
    return time.monotonic() - began


def test_a_rule_activated_while_it_runs_changes_its_answer(
    scorer_factory, decision_log_factory
) -> None:
    database = decision_log_factory()
    client = scorer_factory(database_url=database.database_url, rules_poll_s=0.2)
    before = score(client, amount=500.0)
    assert (before["rules_revision"], before["lists_revision"]) == (0, 0)
    assert before["decision"] != "block"
    assert "R10-BIG" not in before["rules"]
    assert before["rule_versions"] == [1] * len(before["rules"])  # the baseline's

    with connect(database) as conn:
        apply(conn, [BIG], actor="ana", role="rules-admin")
    answered_within(client, lambda body: body["rules_revision"] == 1, amount=500.0)
    shadowed = score(client, amount=500.0)
    assert "R10-BIG" not in shadowed["rules"]  # in shadow: it decides nothing
    with connect(database) as conn:
        set_status(conn, "R10-BIG", 1, Status.ACTIVE, actor="ana", role="rules-admin")
    delay = answered_within(client, lambda body: body["rules_revision"] == 2, amount=500.0)
    big, small = score(client, amount=500.0), score(client, amount=20.0)
    assert big["decision"] == "block"
    assert big["rule_versions"][big["rules"].index("R10-BIG")] == 1
    assert big["reasons"]  # explained, though the model alone would not have flagged it
    assert "R10-BIG" not in small["rules"]
    print(f"rule in force at the scorer {delay:.2f} s after it was activated")
    assert delay < 5.0

    # A list entry reaches it the same way, and the rule reads the payment's own card.
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    with connect(database) as conn:
        apply(conn, [LISTED], actor="ana", role="rules-admin")
        add(conn, "blocked_cards", "card-listed", actor="ana", role="rules-admin",
            reason="stolen", expires_at=expires)  # fmt: skip
    answered_within(client, lambda body: body["lists_revision"] == 1, card_id="card-listed")
    listed, other = score(client, card_id="card-listed", amount=20.0), score(client, amount=20.0)
    assert (listed["decision"], listed["rules"]) == ("block", ["R30-BLOCKED-CARDS"])
    assert "R30-BLOCKED-CARDS" not in other["rules"]
    batch = client.post("/v1/score/batch", json={"transactions": [
        {**EXAMPLE, "card_id": "card-listed", "amount": 20.0}, {**EXAMPLE, "amount": 500.0},
    ]})  # fmt: skip
    assert batch.status_code == 200, batch.text
    assert [r["rules"] for r in batch.json()["results"]] == [["R30-BLOCKED-CARDS"], ["R10-BIG"]]
    assert (batch.json()["rules_revision"], batch.json()["lists_revision"]) == (3, 1)


def test_rules_never_read_answer_503(scorer_factory) -> None:
    client = scorer_factory(database_url="postgresql://nobody@127.0.0.1:1/none")
    response = client.post("/v1/score", json=EXAMPLE)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "rules in force not read yet" in response.json()["detail"]
