"""The dashboard's API and event stream over a real pipeline (broker, Redis, consumer)."""

import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from fraudcore.currency import to_reporting

pytestmark = pytest.mark.integration


@pytest.fixture
def live(pipeline_factory):
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded")
    dashboard = pipeline.start_dashboard()
    return pipeline, httpx.Client(base_url=dashboard.url, timeout=10)


def read_events(response: httpx.Response, limit: int) -> Iterator[tuple[str, str | None, dict]]:
    """(event, id, data) of an open SSE response as they arrive, at most ``limit`` of them."""
    event, event_id, data, count = None, None, None, 0
    for line in response.iter_lines():
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and event:
            yield event, event_id, data
            event, event_id, data = None, None, None
            count += 1
            if count >= limit:
                return


def test_summary_recent_alerts_and_details(live) -> None:
    pipeline, client = live
    report = pipeline.stream(1_000, rate=2_000, send_labels=False)
    pipeline.wait_scored(1_000)
    summary = client.get("/api/summary").json()
    assert summary["transactions"] == 1_000
    assert summary["approved"] + summary["reviewed"] + summary["blocked"] == 1_000
    assert summary["model_version"] == "test-model-1"
    assert summary["latency_p50_ms"] is not None
    low, high = summary["latency_p50_bucket_ms"]  # the histogram's precision, shown as such
    assert low < high == summary["latency_p50_ms"]
    assert summary["latency_p99_bucket_ms"][0] >= low
    assert summary["latency_budget_ms"] == 35
    recent = client.get("/api/recent", params={"limit": 10}).json()
    assert len(recent) == 10
    assert {"lat", "lon", "decision", "amount"} <= set(recent[0])
    alerts = client.get("/api/alerts").json()
    assert len(alerts) == summary["reviewed"] + summary["blocked"] or len(alerts) == 50
    details = client.get(f"/api/alerts/{alerts[0]['id']}").json()
    assert details["transaction"]["transaction_id"] == alerts[0]["id"]
    assert {"features", "reasons", "rules", "model_version", "timings"} <= set(details)
    # The blocked amount: every blocked payment converted at the world's rates, then added.
    blocked = [a for a in client.get("/api/alerts", params={"limit": 500}).json()
               if a["decision"] == "block"]  # fmt: skip
    assert summary["reporting_currency"] == "EUR"
    assert len(blocked) == summary["blocked"]
    converted = sum(to_reporting(a["amount"], a["currency"]) for a in blocked)
    assert summary["blocked_amount"] == pytest.approx(converted, abs=0.01 * (1 + len(blocked)))
    assert summary["blocked_unconverted"] == {}
    assert client.get("/api/alerts/tx-does-not-exist").status_code == 404
    assert client.get("/api/alerts/%3Cscript%3E").status_code == 422
    assert report.transactions == 1_000


def test_read_only_and_security_headers(live) -> None:
    _, client = live
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert client.request(method, "/api/summary").status_code == 405
    assert client.get("/static/vendor/countries-110m.json").status_code == 200
    assert client.get("/readyz").json()["status"] == "ready"


def test_stream_pushes_batches_and_resumes_after_the_last_event_id(live) -> None:
    pipeline, client = live
    with client.stream("GET", "/api/stream") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        thread = threading.Thread(
            target=lambda: pipeline.stream(300, rate=1_000, send_labels=False)
        )
        thread.start()
        seen, last_id = 0, None
        for event, event_id, data in read_events(response, 200):
            if event == "batch":
                seen += len(data["points"])
                last_id = event_id or last_id
            if seen >= 300:
                break
        thread.join()
    assert seen == 300
    assert last_id is not None

    # Disconnected: 200 more payments happen; a reconnect with Last-Event-ID gets exactly those.
    pipeline.stream(200, rate=1_000, send_labels=False)
    pipeline.wait_scored(500)
    with client.stream("GET", "/api/stream", headers={"Last-Event-ID": last_id}) as response:
        caught_up = 0
        for event, _, data in read_events(response, 50):
            if event == "batch":
                caught_up += len(data["points"])
            if caught_up >= 200:
                break
    assert caught_up == 200


def test_summary_events_arrive_every_second(live) -> None:
    _, client = live
    with client.stream("GET", "/api/stream") as response:
        kinds = [event for event, _, _ in read_events(response, 4)]
    assert kinds.count("summary") >= 2
