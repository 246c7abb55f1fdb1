"""The models page and its API through a real dashboard process on a real PostgreSQL: the
registry's versions and history, and champion against challenger over a window of logged
decisions with labels, every figure checked against a direct SQL count; precise 4xx for bad
windows and versions; then the page in headless Chromium, with a reason carrying markup shown
as text."""

import datetime as dt
import random
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from playwright.sync_api import expect

from fraud_dashboard.auth.users import hash_password
from fraudcore.decision_log import ChallengerVerdict, DecisionLogWriter, DecisionRow, connect
from fraudcore.decision_log.contract import DECISIONS, LABELS
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.model_registry import Status, promote
from fraudcore.schemas import Decision, Timings

pytestmark = pytest.mark.integration
CHAMPION, CHALLENGER = "test-model-1", "test-model-2"  # the model_registry fixture's
DAY0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
WINDOW = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
PASSWORD = "ana-battery-staple-2"
REASON = "<img src=x onerror=alert(1)> shadow it first"
THRESHOLDS = Thresholds(review=0.5, block=0.9)


def _decision(score: float) -> Decision:
    if score >= THRESHOLDS.block:
        return Decision.BLOCK
    return Decision.REVIEW if score >= THRESHOLDS.review else Decision.APPROVE


def _rows() -> tuple[list[DecisionRow], dict[str, bool]]:
    """80 payments on DAY0 scored by both (fraud likelier with a high challenger score), 10
    three days later (outside the window), 5 without a challenger; labels for about 2 in 3."""
    rng = random.Random(22)
    rows, labels = [], {}
    for i in range(95):
        at = (
            DAY0
            + dt.timedelta(minutes=7 * i)
            + (dt.timedelta(days=3) if i >= 80 else dt.timedelta())
        )
        fraud = rng.random() < 0.2
        shadow = min(0.99, rng.random() * 0.6 + (0.4 if fraud else 0.0))
        score = rng.random() * (0.9 if fraud else 0.7)
        challenger = (
            None if i >= 90 else ChallengerVerdict(CHALLENGER, shadow, _decision(shadow), [])
        )
        rows.append(DecisionRow(
            transaction_id=f"tx-{i:03d}", event_time=at, card_id=f"card-{i % 7}",
            merchant_id="merch-1", amount=10.0 + i, currency="EUR",
            features=[0.0] * len(FEATURE_NAMES), score=score, model_version=CHAMPION,
            thresholds=THRESHOLDS, rules=[], reasons=[], decision=_decision(score),
            timings=Timings(), source_partition=0, source_offset=i, decided_at=at, country="FR",
            channel="online", challenger=challenger,
        ))  # fmt: skip
        if rng.random() < 0.67:
            labels[f"tx-{i:03d}"] = fraud
    return rows, labels


@dataclass
class Desk:
    url: str
    database: str


@pytest.fixture
def desk(model_registry, start_dashboard, tmp_path) -> Desk:
    rows, labels = _rows()
    with connect(model_registry.settings) as conn:
        promote(conn, CHALLENGER, Status.CHALLENGER, "lee", REASON)  # markup: shown as text
        DecisionLogWriter(conn).write(rows)
        times = {row.transaction_id: row.event_time for row in rows}
        for tx_id, fraud in labels.items():
            conn.execute(
                f"INSERT INTO {LABELS} (transaction_id, event_time, is_fraud, scenario, "
                "labelled_at) VALUES (%s, %s, %s, 'test', %s)",
                (tx_id, times[tx_id], fraud, times[tx_id]),
            )
    users = tmp_path / "users"
    users.write_text(f"ana:analyst:{hash_password(PASSWORD)}\n")
    dashboard = start_dashboard(
        DATABASE_URL=model_registry.settings.database_url, DASHBOARD_USERS_FILE=users,
        DASHBOARD_COOKIE_SECURE="false",
    )  # fmt: skip
    return Desk(dashboard.url, model_registry.settings.database_url)


def signed_in(desk: Desk) -> httpx.Client:
    client = httpx.Client(base_url=desk.url, timeout=30)
    response = client.post("/api/session", json={"name": "ana", "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def expected(database: str) -> dict[str, object]:
    """The window's figures straight from the tables, each model's top-budget reviews read by
    ORDER BY ... LIMIT and average precision summed here from the labels in rank order."""
    window = (DAY0, DAY0 + dt.timedelta(days=1))
    scope = (
        f"FROM {DECISIONS} d LEFT JOIN {LABELS} l USING (transaction_id, event_time) "
        "WHERE d.challenger_version IS NOT NULL AND d.event_time >= %s AND d.event_time < %s"
    )
    with psycopg.connect(database) as conn:
        payments, alerts, shadow_alerts, agree, labelled, frauds = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE decision <> 'approve'), "
            "count(*) FILTER (WHERE challenger_decision <> 'approve'), "
            "count(*) FILTER (WHERE decision = challenger_decision), count(l.is_fraud), "
            f"count(*) FILTER (WHERE l.is_fraud) {scope}", window,
        ).fetchone()  # fmt: skip
        figures = {}
        for model, column in (("champion", "score"), ("challenger", "challenger_score")):
            ranked = [fraud for (fraud,) in conn.execute(
                f"SELECT l.is_fraud {scope} ORDER BY d.{column} DESC, d.transaction_id "
                "LIMIT %s", (*window, alerts),
            )]  # fmt: skip
            seen = [fraud for fraud in ranked if fraud is not None]
            caught = sum(seen)
            ap = sum(sum(seen[: k + 1]) / (k + 1) for k, fraud in enumerate(seen) if fraud)
            figures[model] = (len(seen), caught, ap / frauds)
    return {"payments": payments, "alerts": alerts, "shadow_alerts": shadow_alerts,
            "agree": agree, "labelled": labelled, "frauds": frauds, **figures}  # fmt: skip


def test_the_comparison_matches_the_log_and_bad_windows_and_versions_are_refused(
    desk: Desk,
) -> None:
    anonymous = httpx.Client(base_url=desk.url, timeout=30)
    assert anonymous.get("/api/models").status_code == 401
    assert anonymous.get("/api/models/comparison").status_code == 401
    client = signed_in(desk)

    listed = client.get("/api/models").json()
    assert (listed["champion"], listed["challenger"]) == (CHAMPION, CHALLENGER)
    assert {v["model_version"]: v["status"] for v in listed["versions"]} == {
        CHAMPION: "champion", CHALLENGER: "challenger"
    }  # fmt: skip
    newest = listed["history"][0]  # newest first
    assert (newest["model_version"], newest["to_status"], newest["reason"]) == (
        CHALLENGER, "challenger", REASON
    )  # fmt: skip

    want = expected(desk.database)
    assert want["labelled"] < want["payments"]  # some labels still pending
    assert want["frauds"] > 3
    found = client.get("/api/models/comparison", params=WINDOW)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["window"] == {
        "from": "2026-03-02T00:00:00.000000Z", "to": "2026-03-03T00:00:00.000000Z"
    }  # fmt: skip
    (pair,) = body["pairs"]
    payments = want["payments"]
    assert payments == 80
    assert (pair["payments"], pair["review_budget"], pair["labelled"], pair["frauds"]) == (
        payments, want["alerts"], want["labelled"], want["frauds"]
    )  # fmt: skip
    assert pair["pending"] == payments - want["labelled"]
    assert pair["agreement"]["value"] == want["agree"] / payments
    assert pair["champion"]["alert_rate"]["value"] == want["alerts"] / payments
    assert pair["challenger"]["alert_rate"]["value"] == want["shadow_alerts"] / payments
    for model in ("champion", "challenger"):
        labelled, caught, ap = want[model]
        figures = pair[model]
        assert figures["precision_at_budget"]["value"] == caught / labelled, model
        assert figures["recall_at_budget"]["value"] == caught / want["frauds"], model
        assert figures["ap_at_budget"]["value"] == pytest.approx(ap), model
        low, high = figures["ap_at_budget"]["ci95"]
        assert low <= ap <= high, model
    assert pair["challenger"]["model_version"] == CHALLENGER

    # Filtering by version, and the default window (the 7 days up to the newest decision).
    named = {**WINDOW, "champion": CHAMPION, "challenger": CHALLENGER}
    assert client.get("/api/models/comparison", params=named).json()["pairs"] == [pair]
    other = client.get("/api/models/comparison", params={**WINDOW, "challenger": CHAMPION})
    assert other.json()["pairs"] == []
    default = client.get("/api/models/comparison").json()
    assert default["window"]["to"] == "2026-03-06T00:00:00.000000Z"
    assert default["pairs"][0]["payments"] == 90

    def refused(params: dict[str, object]) -> tuple[int, str]:
        response = client.get("/api/models/comparison", params=params)
        return response.status_code, str(response.json()["detail"])

    status, detail = refused({"from": WINDOW["from"]})
    assert (status, detail) == (422, "give both from and to (event time, UTC), or neither")
    status, detail = refused({"from": WINDOW["to"], "to": WINDOW["from"]})
    assert status == 422
    assert "must be before to" in detail
    status, detail = refused({"from": "2026-01-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"})
    assert (status, detail) == (422, "a comparison covers at most 92 days, not 120")
    status, detail = refused({"from": "2026-03-02T00:00:00", "to": "2026-03-03T00:00:00"})
    assert status == 422
    assert "timezone" in detail
    assert refused({"days": 0})[0] == 422
    assert refused({"champion": "<script>"})[0] == 422
    status, detail = refused({"champion": "nope-1"})
    assert (status, detail) == (404, "no model version 'nope-1' in the registry")


def test_the_models_page_shows_versions_figures_pending_labels_and_history_as_text(
    desk: Desk, browser, open_page
) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 1000})
    assert context.request.post(
        f"{desk.url}/api/session", data={"name": "ana", "password": PASSWORD}
    ).ok  # the session cookie, as the sign-in page would set it
    page, problems = open_page(context, f"{desk.url}/models")
    expect(page.locator("body")).to_have_attribute("data-loaded", "models", timeout=15_000)
    expect(page.locator("#models-serving")).to_have_text(
        f"champion {CHAMPION}, challenger {CHALLENGER}"
    )
    expect(page.locator("#model-rows tr")).to_have_count(2)
    expect(page.locator(f'#model-rows tr[data-version="{CHALLENGER}"] td.status')).to_have_text(
        "challenger"
    )
    reason = page.locator("#model-history .case-comment").first
    expect(reason).to_have_text(REASON)  # as text: no image element, no script run

    want = expected(desk.database)
    page.locator("#compare-from").fill("2026-03-02T00:00:00")
    page.locator("#compare-to").fill("2026-03-03T00:00:00")
    page.locator("#compare-run").click()
    pair = page.locator(f'.model-pair[data-challenger="{CHALLENGER}"]')
    expect(pair.locator(".pair-counts")).to_contain_text("80 payments scored by both")
    pending = 80 - want["labelled"]
    expect(pair.locator(".labels-pending")).to_have_text(
        f"Labels pending for {pending} of 80 payments: figures from the {want['labelled']} "
        f"labelled ({want['frauds']} fraud) will move as the rest arrive."
    )
    rate = f"{want['alerts'] / 80 * 100:.1f}% ["
    expect(pair.locator('tr[data-figure="alert_rate"] td.champion')).to_contain_text(rate)
    expect(pair.locator('tr[data-figure="ap_at_budget"] td.challenger')).to_contain_text("%] of ")

    page.locator("#compare-from").fill("2026-03-04T00:00:00")  # after "to": refused, said why
    page.locator("#compare-run").click()
    expect(page.locator("#compare-problem")).to_contain_text("must be before to")
    assert page.locator("img").count() == 0
    assert [p for p in problems if "status of 422" not in p] == []
