"""The decision log through the dashboard, a real process on a real PostgreSQL and Redis: one
decision by id, precise errors, and the live quality figures as gauges, checked against figures
computed here with numpy from the rows written (through the production writer and labels)."""

import datetime as dt
import math
import uuid
from dataclasses import dataclass, replace

import httpx
import numpy as np
import pytest
from playwright.sync_api import expect
from prometheus_client.parser import text_string_to_metric_families

from fraud_devstack import free_port
from fraud_devstack.services import wait_for
from fraudcore import metrics
from fraudcore.decision_log import DecisionLogWriter, DecisionRow, apply_labels, connect, migrate
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Label, Timings

pytestmark = pytest.mark.integration
DAY0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
MODELS = {"xgb-a": Thresholds(review=0.6, block=0.9), "xgb-b": Thresholds(review=0.5, block=0.8)}


@dataclass
class Written:
    rows: list[DecisionRow]
    labels: dict[str, Label]


def _rows(count: int, rng: np.random.Generator) -> list[DecisionRow]:
    """Payments over three days by two models, scores skewed low as a model's are."""
    rows = []
    for i in range(count):
        model = "xgb-a" if i % 3 else "xgb-b"
        thresholds = MODELS[model]
        score = float(rng.beta(0.5, 1.5))
        decision = Decision.APPROVE
        if score >= thresholds.review:
            decision = Decision.BLOCK if score >= thresholds.block else Decision.REVIEW
        at = DAY0 + dt.timedelta(seconds=float(rng.uniform(0, 3 * 86_400)))
        features = rng.normal(size=len(FEATURE_NAMES)).astype(np.float32)
        features[5] = np.nan
        rows.append(
            DecisionRow(
                transaction_id=f"tx-{i:05d}-{uuid.uuid4().hex[:6]}", event_time=at,
                card_id=f"card-{i % 97}", merchant_id=f"m-{i % 13}", amount=10.0 + i,
                currency="EUR", features=features, score=score, model_version=model,
                thresholds=thresholds, rules=["R02-CARD-TESTING"] if i % 2 == 0 else [],
                reasons=["amount"] if decision is not Decision.APPROVE else [],
                decision=decision, timings=Timings(kafka_ms=2.0, scoring_ms=0.5),
                source_partition=i % 3, source_offset=i, decided_at=at + dt.timedelta(seconds=1),
            )
        )  # fmt: skip
    return rows


@pytest.fixture
def written(database_factory) -> tuple[str, Written]:
    """3,000 decisions by the production writer; 70% labelled by apply_labels, the rest unknown."""
    settings = database_factory()
    rng = np.random.default_rng(20)
    rows = _rows(3_000, rng)
    labels = {}
    for row in rows:
        if rng.random() < 0.7:
            fraud = bool(rng.random() < row.score)  # frauds where the model thinks so, mostly
            labels[row.transaction_id] = Label(
                transaction_id=row.transaction_id, is_fraud=fraud,
                scenario="card_testing" if fraud else "genuine",
                labelled_at=row.event_time + dt.timedelta(days=8),
            )  # fmt: skip
    with connect(settings) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write(rows)
        outcomes = apply_labels(conn, list(labels.values()))
    assert {outcome.status.value for outcome in outcomes} == {"applied"}
    return settings.database_url, Written(rows, labels)


def expected_figures(written: Written) -> dict[tuple[str, str], dict[str, float]]:
    """Per (day, model): the figures from the rows in memory, with numpy."""
    day = np.array([r.event_time.date().isoformat() for r in written.rows])
    model = np.array([r.model_version for r in written.rows])
    alert = np.array([r.score >= r.thresholds.review for r in written.rows])
    known = np.array([r.transaction_id in written.labels for r in written.rows])
    fraud = np.array([known[i] and written.labels[r.transaction_id].is_fraud
                      for i, r in enumerate(written.rows)])  # fmt: skip
    figures = {}
    for key in sorted(set(zip(day, model, strict=True))):
        mine = (day == key[0]) & (model == key[1])
        figures[key] = {
            "decisions": float(mine.sum()),
            "alert_rate": float(alert[mine].mean()),
            "precision": float(fraud[mine & alert].sum() / (mine & alert & known).sum()),
            "recall": float((fraud & alert)[mine].sum() / fraud[mine].sum()),
            "label_coverage": float(known[mine].mean()),
        }
    return figures


def gauges(text: str) -> dict[str, dict[tuple[str, str], float]]:
    found: dict[str, dict[tuple[str, str], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if set(sample.labels) == {"day", "model_version"}:
                key = (sample.labels["day"], sample.labels["model_version"])
                found.setdefault(sample.name, {})[key] = sample.value
    return found


def test_quality_gauges_match_the_figures_computed_from_the_rows(written, start_dashboard):
    url, data = written
    dashboard = start_dashboard(DATABASE_URL=url, DASHBOARD_QUALITY_INTERVAL_S=1)
    client = httpx.Client(base_url=dashboard.url, timeout=10)
    wait_for(lambda: client.get("/api/quality").json()["refreshed_at"] is not None, 30, "figures")
    expected = expected_figures(data)
    assert len(expected) == 6  # three days by two models
    exported = gauges(client.get("/metrics").text)
    names = {
        "decisions": metrics.LOG_DECISIONS.name, "alert_rate": metrics.LOG_ALERT_RATE.name,
        "precision": metrics.LOG_PRECISION.name, "recall": metrics.LOG_RECALL.name,
        "label_coverage": metrics.LOG_LABEL_COVERAGE.name,
    }  # fmt: skip
    for figure, name in names.items():
        assert set(exported[name]) == set(expected), name
        for key, values in expected.items():
            assert exported[name][key] == pytest.approx(values[figure], abs=1e-12), (name, key)
    # Unknown labels are not genuine: counting them as genuine would give other figures.
    some = next(iter(expected.values()))
    assert 0.6 < some["label_coverage"] < 0.8
    panel = client.get("/api/quality").json()
    assert panel["problem"] is None
    assert len(panel["days"]) == 6
    first = panel["days"][0]
    key = (first["day"], first["model_version"])
    assert first["precision"] == pytest.approx(expected[key]["precision"], abs=1e-12)


def test_a_logged_decision_by_id_with_its_label(written, start_dashboard) -> None:
    url, data = written
    client = httpx.Client(base_url=start_dashboard(DATABASE_URL=url).url, timeout=10)
    row = next(
        r for r in data.rows
        if r.decision is Decision.BLOCK and r.rules and r.transaction_id in data.labels
    )  # fmt: skip
    response = client.get(f"/api/decisions/{row.transaction_id}")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    logged = response.json()
    assert logged["decision"] == "block"
    assert logged["score"] == row.score
    assert logged["model_version"] == row.model_version
    assert logged["thresholds"] == row.thresholds.model_dump()
    assert (logged["rules"], logged["reasons"]) == (list(row.rules), list(row.reasons))
    served = dict(zip(FEATURE_NAMES, row.features.tolist(), strict=True))
    words = (
        f"amount {served['amount']:,.2f} (this card usually {served['card_mean_amount_30d']:,.2f})"
    )
    assert logged["reasons_in_words"] == [{"feature": "amount", "text": words}]
    assert list(logged["features"]) == list(FEATURE_NAMES)
    values = [math.nan if v is None else v for v in logged["features"].values()]
    kept = np.array(values, dtype=np.float32)  # undefined features are null in JSON
    np.testing.assert_array_equal(kept, row.features)  # the float32 values served, exactly
    assert logged["timings"]["kafka_ms"] == 2.0
    assert logged["source"] == {"partition": row.source_partition, "offset": row.source_offset}
    label = data.labels[row.transaction_id]
    assert logged["label"]["is_fraud"] is label.is_fraud
    assert logged["label"]["labelled_at"] == label.labelled_at.isoformat().replace("+00:00", "Z")
    unlabelled = next(r for r in data.rows if r.transaction_id not in data.labels)
    assert client.get(f"/api/decisions/{unlabelled.transaction_id}").json()["label"] is None


def test_unknown_and_malformed_ids_are_precise_errors(written, start_dashboard) -> None:
    url, _ = written
    client = httpx.Client(base_url=start_dashboard(DATABASE_URL=url).url, timeout=10)
    missing = client.get("/api/decisions/tx-never-logged")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no decision logged for transaction 'tx-never-logged'"}
    for bad in ("%3Cscript%3E", "x" * 65, "tx%20id"):
        assert client.get(f"/api/decisions/{bad}").status_code == 422, bad
    assert client.post("/api/decisions/tx-1").status_code == 405  # read only, as the rest


def test_without_a_database_the_log_answers_503_and_the_live_view_works(
    start_dashboard,
) -> None:
    alone = httpx.Client(base_url=start_dashboard().url, timeout=10)
    for path in ("/api/decisions/tx-1", "/api/quality"):
        response = alone.get(path)
        assert response.status_code == 503
        assert response.json() == {"detail": "decision log not configured: set DATABASE_URL"}
    assert alone.get("/api/summary").status_code == 200
    down = f"postgresql://fraud@127.0.0.1:{free_port()}/fraud"
    lost = httpx.Client(
        base_url=start_dashboard(DATABASE_URL=down, DASHBOARD_QUALITY_INTERVAL_S=1).url,
        timeout=10,
    )
    response = lost.get("/api/decisions/tx-1")
    assert response.status_code == 503
    assert response.json()["detail"].startswith("decision log unavailable (OperationalError)")
    wait_for(lambda: lost.get("/api/quality").json()["problem"] is not None, 30, "a failed read")
    assert "fraud_log_quality_errors_total 0.0" not in lost.get("/metrics").text
    assert lost.get("/readyz").json()["status"] == "ready"  # the live view does not need it


XSS = "<img src=x onerror=alert(1)>"


def test_the_quality_panel_shows_the_log_as_text_never_as_markup(
    database_factory, start_dashboard, browser
) -> None:
    settings = database_factory()
    rows = [replace(row, model_version=XSS) for row in _rows(300, np.random.default_rng(3))]
    labels = [
        Label(transaction_id=r.transaction_id, is_fraud=r.score > 0.5, scenario="genuine",
              labelled_at=r.event_time + dt.timedelta(days=2))
        for r in rows[::2]
    ]  # fmt: skip
    with connect(settings) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write(rows)
        apply_labels(conn, labels)
    dashboard = start_dashboard(DATABASE_URL=settings.database_url, DASHBOARD_QUALITY_INTERVAL_S=1)
    api = httpx.Client(base_url=dashboard.url, timeout=10)
    wait_for(lambda: api.get("/api/quality").json()["refreshed_at"] is not None, 30, "figures")
    newest = api.get("/api/quality").json()["days"][-1]
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(dashboard.url)
    table = page.locator(".log-quality")
    expect(table.locator("tbody tr")).to_have_count(3, timeout=10_000)  # three days, one model
    first = table.locator("tbody tr").first
    expect(first.locator("th")).to_contain_text(newest["day"])
    expect(first.locator(".model")).to_have_text(XSS)
    cells = first.locator("td")
    expect(cells.nth(1)).to_have_text(f"{newest['precision'] * 100:.1f}%")
    expect(cells.nth(3)).to_have_text(f"{newest['label_coverage'] * 100:.1f}%")
    expect(page.locator("#log-status")).to_contain_text("unknown, not genuine")
    assert table.locator("img").count() == 0
    alone = start_dashboard()
    page.goto(alone.url)
    expect(page.locator("#log-status")).to_have_text(
        "decision log not configured: set DATABASE_URL"
    )
    assert dialogs == []
