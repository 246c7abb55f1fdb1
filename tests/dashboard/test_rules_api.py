"""The rules API through a real dashboard process on a real PostgreSQL and Redis: reading needs
sign-in, changing needs a lead and the session's CSRF token; a malformed rule is a 422 pointing
at line and column; a new version is a draft until shadowed and activated; each change is one
audit row with who, when, before and after; a backtest of a draft and of a stored version over
the decisions logged."""

import datetime as dt
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from fraud_dashboard.auth.users import hash_password
from fraudcore.decision_log import DecisionLogWriter, DecisionRow, connect, migrate
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Timings
from fraudcore.settings import DatabaseSettings

pytestmark = pytest.mark.integration
DAY0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
PASSWORDS = {"lee": "lee-correct-horse-1", "ana": "ana-battery-staple-2"}
ROLES = {"lee": "lead", "ana": "analyst"}
AMOUNT = list(FEATURE_NAMES).index("amount")


def _row(i: int) -> DecisionRow:
    at = DAY0 + dt.timedelta(minutes=i)
    features = [0.0] * len(FEATURE_NAMES)
    features[AMOUNT] = 100.0 * i
    return DecisionRow(
        transaction_id=f"tx-{i:03d}", event_time=at, card_id=f"card-{i % 3}",
        merchant_id="merch-1", amount=100.0 * i, currency="EUR", features=features,
        score=0.1, model_version="m-1", thresholds=Thresholds(review=0.5, block=0.9), rules=[],
        reasons=[], decision=Decision.APPROVE, timings=Timings(), source_partition=0,
        source_offset=i, decided_at=at, country="FR", channel="online",
    )  # fmt: skip


@dataclass
class Desk:
    url: str
    log: DatabaseSettings


@pytest.fixture
def desk(database_factory, start_dashboard, tmp_path) -> Desk:
    log = database_factory()
    with connect(log) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write([_row(i) for i in range(10)])
    users = tmp_path / "users"
    users.write_text(
        "".join(f"{name}:{ROLES[name]}:{hash_password(pw)}\n" for name, pw in PASSWORDS.items())
    )
    dashboard = start_dashboard(
        DATABASE_URL=log.database_url, DASHBOARD_USERS_FILE=users, DASHBOARD_COOKIE_SECURE="false"
    )
    return Desk(dashboard.url, log)


def signed_in(desk: Desk, name: str) -> tuple[httpx.Client, dict[str, str]]:
    client = httpx.Client(base_url=desk.url, timeout=30)
    response = client.post("/api/session", json={"name": name, "password": PASSWORDS[name]})
    assert response.status_code == 200, response.text
    return client, {"X-CSRF-Token": response.json()["csrf_token"]}


def test_reading_needs_sign_in_and_changing_needs_a_lead(desk: Desk) -> None:
    anonymous = httpx.Client(base_url=desk.url, timeout=30)
    assert anonymous.get("/api/rules").status_code == 401
    ana, csrf = signed_in(desk, "ana")
    listed = ana.get("/api/rules").json()
    assert listed["baseline"] is True
    assert [r["id"] for r in listed["rules"]][:2] == ["R01-IMPOSSIBLE-TRAVEL", "R02-CARD-TESTING"]
    assert ana.get("/api/session").json()["may_change_rules"] is False
    body = {"expression": "amount > 1", "action": "review", "reason": "test"}
    refused = ana.post("/api/rules/R10-X/versions", json=body, headers=csrf)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "ana is a analyst: only a lead may change or backtest rules"
    assert ana.post("/api/rules/backtest", json={"expression": "amount > 1"},
                    headers=csrf).status_code == 403  # fmt: skip
    lee, _ = signed_in(desk, "lee")
    no_csrf = lee.post("/api/rules/R10-X/versions", json=body)
    assert no_csrf.status_code == 403
    assert no_csrf.json()["detail"].startswith("CSRF token missing")
    assert lee.put("/api/rules/R10-X", json=body).status_code == 405  # read only elsewhere


def test_a_malformed_rule_is_refused_pointing_at_the_error(desk: Desk) -> None:
    lee, csrf = signed_in(desk, "lee")
    bad = lee.post("/api/rules/validate", json={"expression": "amount > 10 and\n  amout < 5"},
                   headers=csrf)  # fmt: skip
    assert bad.status_code == 422
    (detail,) = bad.json()["detail"]
    assert (detail["line"], detail["column"]) == (2, 3)
    assert detail["msg"] == "line 2, column 3: unknown name 'amout' (did you mean 'amount'?)"
    assert detail["pointed"].endswith("  amout < 5\n    ^")
    assert detail["loc"] == ["body", "expression"]
    fine = {"expression": "channel == 'online' and amount > 2"}
    good = lee.post("/api/rules/validate", json=fine, headers=csrf)
    assert good.json() == {"valid": True, "reads": {
        "features": ["amount"], "fields": ["channel"], "lists": []}}  # fmt: skip
    saved = lee.post("/api/rules/R10-X/versions", headers=csrf,
                     json={"expression": "amount >", "action": "block", "reason": "x"})  # fmt: skip
    assert saved.status_code == 422
    assert saved.json()["detail"][0]["msg"].startswith("line 1, column 9: expected a value")
    with psycopg.connect(desk.log.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM rules").fetchone() == (0,)


def test_a_version_is_written_shadowed_activated_and_every_change_audited(desk: Desk) -> None:
    lee, csrf = signed_in(desk, "lee")
    body = {"expression": "amount >= 500 and channel == 'online'", "action": "review",
            "reason": "big online payments", "priority": 200}  # fmt: skip
    made = lee.post("/api/rules/R10-BIG-ONLINE/versions", json=body, headers=csrf)
    assert made.status_code == 201, made.text
    assert made.json()["rule"] == body | {"id": "R10-BIG-ONLINE", "version": 1, "status": "draft"}
    again = lee.post("/api/rules/R10-BIG-ONLINE/versions", json=body | {"priority": 300},
                     headers=csrf)  # fmt: skip
    assert again.json()["rule"]["version"] == 2
    for status in ("shadow", "active"):
        changed = lee.post("/api/rules/R10-BIG-ONLINE/versions/1/status", json={"status": status},
                           headers=csrf)  # fmt: skip
        assert changed.status_code == 200, changed.text
    assert changed.json()["changes"] == ["R10-BIG-ONLINE v1: shadow -> active"]
    missing = lee.post("/api/rules/R10-BIG-ONLINE/versions/9/status", json={"status": "active"},
                       headers=csrf)  # fmt: skip
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no rule R10-BIG-ONLINE version 9",
    )
    shown = lee.get("/api/rules/R10-BIG-ONLINE").json()
    assert (shown["active_version"], shown["shadow_version"]) == (1, None)
    assert [v["version"] for v in shown["versions"]] == [2, 1]
    steps = [(e["actor"], e["role"], e["version"], (e["before"] or {}).get("status"),
              e["after"]["status"]) for e in reversed(shown["history"])]  # fmt: skip
    assert steps == [
        ("lee", "lead", 1, None, "draft"), ("lee", "lead", 2, None, "draft"),
        ("lee", "lead", 1, "draft", "shadow"), ("lee", "lead", 1, "shadow", "active"),
    ]  # fmt: skip
    with psycopg.connect(desk.log.database_url) as conn:
        audited = conn.execute(
            "SELECT actor, role, detail->'after'->>'status' FROM audit_events "
            "WHERE action = 'rule_change' AND detail->>'rule_id' = 'R10-BIG-ONLINE' "
            "ORDER BY event_id"
        ).fetchall()
        acting = conn.execute("SELECT version FROM rules WHERE rule_id = 'R10-BIG-ONLINE' "
                              "AND status = 'active'").fetchall()  # fmt: skip
    assert audited == [("lee", "lead", s) for s in ("draft", "draft", "shadow", "active")]
    assert acting == [(1,)]
    assert lee.get("/api/rules/NOPE").status_code == 404


def test_a_draft_and_a_stored_version_are_backtested_over_the_log(desk: Desk) -> None:
    lee, csrf = signed_in(desk, "lee")
    draft = lee.post("/api/rules/backtest", json={"expression": "amount >= 500"}, headers=csrf)
    assert draft.status_code == 200, draft.text
    figures = draft.json()
    assert (figures["hits"], figures["window"]["decisions"]) == (5, 10)
    assert figures["rule"]["id"] == "DRAFT"
    assert [e["transaction_id"] for e in figures["examples"]] == [
        f"tx-{i:03d}" for i in range(9, 4, -1)
    ]
    stored = lee.post("/api/rules/backtest", headers=csrf,
                      json={"rule_id": "R01-IMPOSSIBLE-TRAVEL", "version": 1})  # fmt: skip
    assert stored.json()["rule"]["id"] == "R01-IMPOSSIBLE-TRAVEL"
    assert stored.json()["live"]["fired"] == 0
    windowed = lee.post("/api/rules/backtest", headers=csrf, json={
        "expression": "amount >= 500", "from": "2026-03-02T00:06:00Z", "to": "2026-03-02T00:08:00Z",
    })  # fmt: skip
    assert windowed.json()["hits"] == 2
    reversed_ = lee.post("/api/rules/backtest", headers=csrf, json={
        "expression": "amount >= 500", "from": "2026-03-03T00:00:00Z", "to": "2026-03-02T00:00:00Z",
    })  # fmt: skip
    assert reversed_.status_code == 422
    assert "before it starts" in reversed_.json()["detail"]
    bad = lee.post("/api/rules/backtest", json={"expression": "amount >> 5"}, headers=csrf)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["column"] == 9
    neither = lee.post("/api/rules/backtest", json={"rule_id": "R01-IMPOSSIBLE-TRAVEL"},
                       headers=csrf)  # fmt: skip
    assert neither.status_code == 422
