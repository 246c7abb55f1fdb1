"""A real Prometheus scraping the real pipeline (producer, consumer, scorer, dashboard as
processes on a real broker and Redis): every Grafana panel query must return data."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from fraud_devstack import free_port
from fraud_monitoring import dashboard, generate, scrape, verify
from fraud_monitoring.contract import CONSUMER, DASHBOARD, PRODUCER, SCORER
from fraud_monitoring.prometheus_server import PrometheusServer
from fraudcore.decision_log import DecisionLogWriter, apply_labels, connect, migrate
from fraudcore.model_registry import Status

pytestmark = pytest.mark.integration
REPO_ROOT = Path(__file__).resolve().parents[2]
CHALLENGER = "test-model-2"  # the model registry fixture's candidate
PANELS = dashboard.load((REPO_ROOT / generate.DASHBOARD_JSON).read_text())


def check_exposition(job: str, target: str, promtool: str) -> None:
    """The live /metrics parses with the Prometheus parser and passes promtool's lint."""
    text = urllib.request.urlopen(f"http://{target}/metrics", timeout=5).read().decode()
    families = list(text_string_to_metric_families(text))
    assert any(family.name.startswith("fraud_") for family in families), job
    lint = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert lint.returncode == 0, f"{job}: {lint.stdout}{lint.stderr}"


def decision_log(database_factory, decided_world) -> str:
    """A decision log with decisions and their labels, through the production writer and
    apply_labels (the dashboard reads its quality panels' figures from it)."""
    settings = database_factory()
    with connect(settings) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write(decided_world.rows)
        apply_labels(conn, decided_world.labels)
    return settings.database_url


def test_every_panel_query_answers_from_the_real_pipeline(
    pipeline_factory, database_factory, decided_world, model_registry, prometheus_binary: str,
    promtool: str, tmp_path: Path,
) -> None:  # fmt: skip
    pipeline = pipeline_factory()
    model_registry.promote(CHALLENGER, Status.CHALLENGER)  # the per-version panels compare two
    pipeline.start_scorer(**model_registry.env())
    consumer = pipeline.start_consumer("remote")
    board = pipeline.start_dashboard(
        DATABASE_URL=decision_log(database_factory, decided_world), DASHBOARD_QUALITY_INTERVAL_S=1
    )
    producer_port = free_port()
    producer = subprocess.Popen(
        [sys.executable, "-m", "fraud_producer.cli", "stream", "--rate", "300", "--duration", "60",
         "--poison-rate", "0.02", "--label-delay", "2", "--customers", "3000", "--pace", "steady"],
        env=pipeline.env(METRICS_PORT=producer_port, METRICS_HOST="127.0.0.1"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    targets = {
        PRODUCER.name: [f"127.0.0.1:{producer_port}"],
        CONSUMER.name: [f"127.0.0.1:{consumer.metrics_port}"],
        SCORER.name: [f"127.0.0.1:{pipeline.scorer_port}"],
        DASHBOARD.name: [board.url.removeprefix("http://")],
    }
    config = scrape.prometheus_config(
        targets, rule_files=[str(REPO_ROOT / generate.RULES_FILE)], scrape_interval="1s"
    )
    server = PrometheusServer(tmp_path / "prometheus", config)
    viewer = subprocess.Popen(  # one live viewer, so the dashboard's client gauge is not idle
        ["curl", "-sN", f"{board.url}/api/stream"], stdout=subprocess.DEVNULL
    )
    try:
        server.start()
        verify.wait_for_targets(server, list(targets), timeout_s=60)
        failures = verify.failing_panel_queries(server, PANELS, rate_interval="10s", timeout_s=60)
        assert {f"{q.title}: {q.expr}": why for q, why in failures.items()} == {}
        assert server.query("fraud_model_precision_ratio")
        for job, (target,) in targets.items():
            check_exposition(job, target, promtool)
    finally:
        viewer.kill()
        producer.terminate()
        producer.wait(timeout=30)
        server.stop()
