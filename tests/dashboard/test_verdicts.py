"""Sign-in, CSRF and verdicts through a real dashboard process on real Kafka, PostgreSQL and
Redis: a wrong password is refused, a viewer cannot give a verdict, a state change without the
session's CSRF token is refused, an analyst's verdict reaches ``transaction-labels`` and the
case's history, a later chargeback that says otherwise shows as a contradiction, and every
verdict and read of a decision by a signed-in user leaves an audit row."""

import datetime as dt
import subprocess
import sys
from dataclasses import dataclass

import httpx
import pytest

from fraudcore.decision_log import DecisionLogWriter, DecisionRow, apply_labels, connect, migrate
from fraudcore.decision_log.audit import trail
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Label, LabelSource, Timings
from fraudcore.settings import DatabaseSettings

pytestmark = pytest.mark.integration
DAY0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
PASSWORDS = {"ana": "ana-correct-horse-1", "vic": "vic-battery-staple-2"}


def _row(i: int) -> DecisionRow:
    at = DAY0 + dt.timedelta(minutes=i)
    return DecisionRow(
        transaction_id=f"tx-{i:03d}", event_time=at, card_id=f"card-{i % 3}",
        merchant_id=f"merch-{i % 2}", amount=10.0 + i, currency="EUR",
        features=[1.0] * len(FEATURE_NAMES), score=0.7, model_version="m-1",
        thresholds=Thresholds(review=0.5, block=0.9), rules=[], reasons=["new_country"],
        decision=Decision.REVIEW, timings=Timings(), source_partition=0, source_offset=i,
        decided_at=at, country="FR",
    )  # fmt: skip


def _add_user(users_file, name: str, role: str, password: str | None = None) -> str:
    """Through the console script, as an operator would; returns what it prints."""
    args = [sys.executable, "-m", "fraud_dashboard.main", "users", "add", name, "--role", role,
            "--file", str(users_file)]  # fmt: skip
    args += ["--password-stdin"] if password else ["--token"]
    done = subprocess.run(
        args, input=f"{password}\n" if password else None, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return done.stdout.strip()


@dataclass
class Desk:
    url: str
    log: DatabaseSettings
    labels_topic: str
    token: str


@pytest.fixture
def desk(database_factory, topic_factory, kafka_bootstrap, start_dashboard, tmp_path) -> Desk:
    log = database_factory()
    with connect(log) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write([_row(i) for i in range(7)])
    users = tmp_path / "users"
    _add_user(users, "ana", "analyst", PASSWORDS["ana"])
    _add_user(users, "vic", "viewer", PASSWORDS["vic"])
    token = _add_user(users, "robot", "analyst")
    assert PASSWORDS["ana"] not in users.read_text()
    topics = topic_factory(partitions=1)
    dashboard = start_dashboard(
        DATABASE_URL=log.database_url, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        TOPIC_LABELS=topics.topic_labels, DASHBOARD_USERS_FILE=users,
        DASHBOARD_COOKIE_SECURE="false",
    )  # fmt: skip
    return Desk(dashboard.url, log, topics.topic_labels, token)


def _signed_in(desk: Desk, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=desk.url, timeout=20)
    response = client.post("/api/session", json={"name": name, "password": PASSWORDS[name]})
    assert response.status_code == 200, response.text
    return client, response.json()["csrf_token"]


def test_sign_in_refuses_a_wrong_password_and_sets_a_strict_cookie(desk: Desk) -> None:
    client = httpx.Client(base_url=desk.url, timeout=20)
    wrong = client.post("/api/session", json={"name": "ana", "password": "not-the-password"})
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "wrong name or password"})
    unknown = client.post("/api/session", json={"name": "eve", "password": PASSWORDS["ana"]})
    assert unknown.status_code == 401
    form = client.post("/api/session", data={"name": "ana", "password": PASSWORDS["ana"]})
    assert form.status_code == 415  # a cross-site form cannot sign anyone in
    assert client.get("/api/session").json()["signed_in"] is False

    right = client.post("/api/session", json={"name": "ana", "password": PASSWORDS["ana"]})
    assert right.status_code == 200
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("fraud_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie
    me = client.get("/api/session").json()
    assert me | {"csrf_token": None} == {
        "signed_in": True, "name": "ana", "role": "analyst", "may_give_verdicts": True,
        "may_change_rules": False, "csrf_token": None, "csrf_header": "X-CSRF-Token",
        "sign_in_required": False, "sign_in_available": True,
    }  # fmt: skip
    assert me["csrf_token"] == right.json()["csrf_token"]

    no_csrf = client.delete("/api/session")
    assert no_csrf.status_code == 403
    assert no_csrf.json()["detail"].startswith("CSRF token missing")
    out = client.delete("/api/session", headers={"X-CSRF-Token": me["csrf_token"]})
    assert out.status_code == 204
    assert client.get("/api/session").json()["signed_in"] is False


def test_a_viewer_reads_but_gives_no_verdict_and_csrf_is_checked(desk: Desk) -> None:
    viewer, csrf = _signed_in(desk, "vic")
    assert viewer.get("/api/decisions/tx-001").status_code == 200
    refused = viewer.post(
        "/api/decisions/tx-001/verdicts", json={"verdict": "fraud", "comment": ""},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["detail"] == "vic is a viewer: only an analyst may give verdicts"

    analyst, csrf = _signed_in(desk, "ana")
    body = {"verdict": "fraud", "comment": "card testing"}
    missing = analyst.post("/api/decisions/tx-001/verdicts", json=body)
    assert missing.status_code == 403
    assert missing.json()["detail"].startswith("CSRF token missing: send header X-CSRF-Token")
    wrong = analyst.post(
        "/api/decisions/tx-001/verdicts", json=body, headers={"X-CSRF-Token": csrf[::-1]}
    )
    assert wrong.status_code == 403
    assert wrong.json()["detail"].startswith("CSRF token does not match this session")
    anonymous = httpx.post(f"{desk.url}/api/decisions/tx-001/verdicts", json=body)
    assert anonymous.status_code == 401
    with connect(desk.log) as conn:
        assert [event["action"] for event in trail(conn, "tx-001")] == ["read_decision"]
        assert conn.execute("SELECT count(*) FROM case_verdicts").fetchone() == (0,)


def test_bad_verdicts_get_precise_errors(desk: Desk) -> None:
    analyst, csrf = _signed_in(desk, "ana")
    headers = {"X-CSRF-Token": csrf}

    def post(tx: str, body: object) -> httpx.Response:
        return analyst.post(f"/api/decisions/{tx}/verdicts", json=body, headers=headers)

    unknown = post("tx-999", {"verdict": "fraud", "comment": ""})
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404, "no decision logged for transaction 'tx-999'"
    )  # fmt: skip
    bad = post("tx-001", {"verdict": "maybe", "comment": ""})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "verdict"]
    extra = post("tx-001", {"verdict": "fraud", "comment": "", "score": 1})
    assert extra.json()["detail"][0]["loc"] == ["body", "score"]
    long = post("tx-001", {"verdict": "fraud", "comment": "x" * 2_001})
    assert long.json()["detail"][0]["loc"] == ["body", "comment"]
    assert post("tx-001", {"verdict": "fraud"}).status_code == 422
    assert post("bad id!", {"verdict": "fraud", "comment": ""}).status_code in (404, 422)
    assert analyst.put("/api/decisions/tx-001/verdicts", headers=headers).status_code == 405


def test_a_verdict_reaches_kafka_and_the_case_and_a_later_chargeback_contradicts_it(
    desk: Desk, topic_reader
) -> None:
    analyst, csrf = _signed_in(desk, "ana")
    headers = {"X-CSRF-Token": csrf}
    escalated = analyst.post(
        "/api/decisions/tx-004/verdicts", json={"verdict": "escalate", "comment": "ask Bo"},
        headers=headers,
    )  # fmt: skip
    assert escalated.status_code == 201, escalated.text
    assert escalated.json()["label"] is None
    assert escalated.json()["label_sent"] is False
    given = analyst.post(
        "/api/decisions/tx-004/verdicts", json={"verdict": "fraud", "comment": " card testing "},
        headers=headers,
    )  # fmt: skip
    assert given.status_code == 201, given.text
    assert given.json()["comment"] == "card testing"

    (message,) = topic_reader(desk.labels_topic, expected=1, idle_s=5)
    assert message.key() == b"card-1"
    label = Label.from_json(message.value())
    assert (label.transaction_id, label.is_fraud, label.source, label.analyst) == (
        "tx-004", True, LabelSource.ANALYST, "ana"
    )  # fmt: skip
    assert given.json()["label"] == label.model_dump(mode="json")

    # The consumer applies labels to the log with this same function: the analyst's first,
    # then a chargeback weeks later that finds the payment genuine.
    with connect(desk.log) as conn:
        apply_labels(conn, [label])
        chargeback = Label(transaction_id="tx-004", is_fraud=False, scenario="genuine",
                           labelled_at=label.labelled_at + dt.timedelta(days=20))  # fmt: skip
        apply_labels(conn, [chargeback])
    case = analyst.get("/api/decisions/tx-004/case").json()
    history = [
        (v["analyst"], v["verdict"], v["comment"], v["label_sent"]) for v in case["verdicts"]
    ]
    assert history == [
        ("ana", "escalate", "ask Bo", False), ("ana", "fraud", "card testing", True)
    ]  # fmt: skip
    labels = [(x["counted"], x["source"], x["analyst"], x["is_fraud"]) for x in case["labels"]]
    assert labels == [
        (True, "analyst", "ana", True), (False, "chargeback", None, False)
    ]  # fmt: skip
    assert case["contradicted"] is True

    with connect(desk.log) as conn:
        actions = [(e["actor"], e["role"], e["action"]) for e in trail(conn, "tx-004")]
    assert actions == [("ana", "analyst", "verdict")] * 2 + [("ana", "analyst", "read_case")]


def test_a_token_needs_no_csrf_and_an_agreeing_chargeback_is_no_contradiction(
    desk: Desk, topic_reader
) -> None:
    robot = httpx.Client(
        base_url=desk.url, timeout=20, headers={"Authorization": f"Bearer {desk.token}"}
    )
    given = robot.post(
        "/api/decisions/tx-002/verdicts", json={"verdict": "genuine", "comment": "known customer"}
    )
    assert given.status_code == 201, given.text
    (message,) = topic_reader(desk.labels_topic, expected=1, idle_s=5)
    label = Label.from_json(message.value())
    with connect(desk.log) as conn:
        apply_labels(conn, [label, label])  # redelivered: counted once
        apply_labels(conn, [label.model_copy(update={"source": LabelSource.CHARGEBACK,
                                                     "analyst": None})])  # fmt: skip
    case = robot.get("/api/decisions/tx-002/case").json()
    assert [x["source"] for x in case["labels"]] == ["analyst"]
    assert case["contradicted"] is False
    bad = httpx.get(f"{desk.url}/api/session", headers={"Authorization": "Bearer wrong"})
    assert bad.status_code == 401


def test_search_finds_by_transaction_card_or_merchant_newest_first(desk: Desk) -> None:
    client = httpx.Client(base_url=desk.url, timeout=20)
    by_card = client.get("/api/search", params={"q": "card-1", "limit": 1})
    assert by_card.status_code == 200, by_card.text
    ids, page = [], by_card.json()
    while True:
        ids += [(item["transaction_id"], item["matched"]) for item in page["items"]]
        if page["next"] is None:
            break
        page = client.get("/api/search", params={"q": "card-1", "limit": 1,
                                                 "after": page["next"]}).json()  # fmt: skip
    assert ids == [("tx-004", "card"), ("tx-001", "card")]
    merchant = client.get("/api/search", params={"q": "merch-0", "field": "merchant"}).json()
    assert [item["transaction_id"] for item in merchant["items"]] == [
        "tx-006", "tx-004", "tx-002", "tx-000"
    ]  # fmt: skip
    one = client.get("/api/search", params={"q": "tx-003"}).json()["items"]
    assert [(item["transaction_id"], item["matched"]) for item in one] == [
        ("tx-003", "transaction")
    ]
    assert client.get("/api/search", params={"q": "nobody"}).json()["items"] == []
    for params, where in (
        ({"q": "a b"}, "q"),
        ({}, "q"),
        ({"q": "x", "field": "iban"}, "field"),
        ({"q": "x", "after": "!!"}, "after"),
        ({"q": "x", "limit": 0}, "limit"),
    ):
        bad = client.get("/api/search", params=params)
        assert bad.status_code == 422, params
        assert bad.json()["detail"][0]["loc"][:2] == ["query", where]


def test_sign_in_can_be_required_for_every_read(desk: Desk, start_dashboard, tmp_path) -> None:
    users = tmp_path / "users"
    strict = start_dashboard(
        DASHBOARD_USERS_FILE=users,
        DASHBOARD_REQUIRE_SIGN_IN="true",
        DASHBOARD_COOKIE_SECURE="false",
        DATABASE_URL=desk.log.database_url,
    )
    client = httpx.Client(base_url=strict.url, timeout=20)
    for path in ("/api/summary", "/api/decisions/tx-001", "/api/queue", "/api/search?q=tx-001"):
        response = client.get(path)
        assert response.status_code == 401, path
    assert client.get("/api/session").json()["sign_in_required"] is True
    assert client.get("/healthz").status_code == 200
    client.post("/api/session", json={"name": "vic", "password": PASSWORDS["vic"]})
    assert client.get("/api/decisions/tx-001").status_code == 200


def test_a_verdict_moves_the_queue_version_and_closes_the_case_at_once(desk: Desk) -> None:
    analyst, csrf = _signed_in(desk, "ana")

    def state() -> tuple[str, list[str]]:
        version = analyst.get("/api/queue/version")
        assert version.status_code == 200, version.text
        items = analyst.get("/api/queue", params={"limit": 200}).json()["items"]
        return version.json()["version"], [item["transaction_id"] for item in items]

    def judge(verdict: str) -> tuple[str, list[str]]:
        given = analyst.post(
            "/api/decisions/tx-005/verdicts", json={"verdict": verdict, "comment": ""},
            headers={"X-CSRF-Token": csrf},
        )  # fmt: skip
        assert given.status_code == 201, given.text
        return state()

    before, queued = state()
    assert "tx-005" in queued
    assert state()[0] == before  # nothing happened: the version stays
    escalation, still = judge("escalate")
    assert escalation != before
    assert "tx-005" in still  # waits for a colleague
    after, left = judge("genuine")
    assert after not in (before, escalation)
    assert left == [tx for tx in queued if tx != "tx-005"]  # gone before its label came back
