"""A real Prometheus scraping stand-in exporters of every service, through the generated scrape
config and rule file; every dashboard panel must answer with data.

The exporters serve each service's metrics, created with ``MetricSpec.create`` as the services
do, on their own ports under their own job names. This proves the queries, the job names and
the rules against real scrapes; the same check against the real pipeline reuses
``fraud_monitoring.verify`` with the real targets.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from fraud_devstack import free_port
from fraud_monitoring import dashboard, generate, scrape, verify
from fraud_monitoring.contract import JOBS
from fraud_monitoring.prometheus_server import PrometheusServer
from fraud_monitoring.sample_exporter import SampleTraffic

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
RATE_INTERVAL = "10s"  # >= 4 scrapes at the 1 s interval used here, as Grafana would pick
DASHBOARD = dashboard.load((REPO_ROOT / generate.DASHBOARD_JSON).read_text())


@pytest.fixture(scope="module")
def prometheus(
    prometheus_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrometheusServer]:
    ports = {job.name: free_port() for job in JOBS}
    traffic = SampleTraffic()
    traffic.serve(ports)
    config = scrape.prometheus_config(
        {name: [f"127.0.0.1:{port}"] for name, port in ports.items()},
        rule_files=[str(REPO_ROOT / generate.RULES_FILE)],
        scrape_interval="1s",
    )
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"), config)
    try:
        server.start()
        verify.wait_for_targets(server, [job.name for job in JOBS], timeout_s=30)
        yield server
    finally:
        server.stop()
        traffic.close()


@pytest.fixture(scope="module")
def unanswered(prometheus: PrometheusServer) -> dict[str, str]:
    """Panel queries still without data after polling; tests reading panel values wait on it,
    since a rate() needs a few scrapes and tests of a module may run apart (xdist) in any order."""
    failures = verify.failing_panel_queries(
        prometheus, DASHBOARD, rate_interval=RATE_INTERVAL, timeout_s=30
    )
    return {f"{q.title}: {q.expr}": why for q, why in failures.items()}


def test_every_panel_query_returns_data(unanswered: dict[str, str]) -> None:
    assert unanswered == {}


BY = re.compile(r"\bby \(([^)]*)\)")


def test_grouped_panels_split_by_their_labels(
    prometheus: PrometheusServer, unanswered: dict[str, str]
) -> None:
    # A misspelt "by" label still returns data (one unlabelled series); this catches it.
    for query in dashboard.panel_queries(DASHBOARD):
        # The labels of its "by" clauses (not of its matchers, which select, not group).
        grouping = {
            label.strip() for clause in BY.findall(query.expr) for label in clause.split(",")
        } - {"le"}
        if " by (" not in query.expr:
            continue
        result = prometheus.query(
            dashboard.expand_grafana_variables(query.expr, rate_interval=RATE_INTERVAL)
        )
        for sample in result:
            assert grouping <= {k for k, v in sample["metric"].items() if v}, query


def test_quantiles_fall_inside_the_bucket_layout(
    prometheus: PrometheusServer, unanswered: dict[str, str]
) -> None:
    for query in dashboard.panel_queries(DASHBOARD):
        if not query.expr.startswith("histogram_quantile"):
            continue
        expr = dashboard.expand_grafana_variables(query.expr, rate_interval=RATE_INTERVAL)
        values = [float(sample["value"][1]) for sample in prometheus.query(expr)]
        assert values, query
        assert all(math.isfinite(v) and 0 < v <= 10 for v in values), query


def test_every_job_is_scraped_under_its_contract_name(prometheus: PrometheusServer) -> None:
    up = {s["metric"]["job"]: s["value"][1] for s in prometheus.query("up")}
    assert up == {job.name: "1" for job in JOBS}


def test_alert_rules_load_and_evaluate_without_errors(prometheus: PrometheusServer) -> None:
    generated = yaml.safe_load((REPO_ROOT / generate.RULES_FILE).read_text())
    rules = [rule for group in prometheus.api("rules")["groups"] for rule in group["rules"]]
    assert {rule["name"] for rule in rules} == {
        rule["alert"] for group in generated["groups"] for rule in group["rules"]
    }
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] == "err"] == []


def test_dead_letter_alert_fires_on_the_sample_dead_letters(prometheus: PrometheusServer) -> None:
    # The sample consumer sends a trickle to the DLQ; this alert has no "for", so it fires on
    # the first evaluations: proof that the rule file drives real alerts from these scrapes.
    wanted = {("FraudDeadLetterMessages", reason) for reason in ("json", "schema")}
    firing: set[tuple[str, str | None]] = set()
    deadline = time.monotonic() + 30
    while not wanted <= firing and time.monotonic() < deadline:
        time.sleep(0.5)
        firing = {
            (alert["labels"]["alertname"], alert["labels"].get("reason"))
            for alert in prometheus.api("alerts")["alerts"]
            if alert["state"] == "firing"
        }
    assert wanted <= firing
