"""reports/k8s_e2e.json, the committed full run of `make k8s-e2e`, and the shortened run CI makes
(`make k8s-e2e QUICK=1`, its report named by FRAUD_K8S_E2E_QUICK_REPORT): well-formed, judged
again from its raw figures by the run's own rules (every case accounted exactly at its size:
produced == scored once, nothing lost, doubled or valid dead-lettered; every check passed;
nothing left on the host), of the charts and images this checkout has, and rendered into its
markdown exactly as the run renders it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from fraud_k8sapi.versions import KUBERNETES_VERSION
from fraud_k8scheck.objects import CHARTS_DIR
from fraud_k8se2e import decision_log, markdown, report
from fraud_k8se2e.images import ROLLED, SERVICES
from fraud_k8se2e.platform import Sizes
from fraud_k8se2e.release import app_version, chart_version
from fraud_k8se2e.run import UPGRADE_TAG
from fraud_k8se2e.traffic import RATE_TPS
from fraudcore.decision_log.migrator import migrations

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "reports" / "k8s_e2e.json"
QUICK_REPORT = os.environ.get("FRAUD_K8S_E2E_QUICK_REPORT")
# The committed full run always; a quick run's too where one is named (CI, right after the run).
RUNS = {"full": REPORT, **({"quick": Path(QUICK_REPORT)} if QUICK_REPORT else {})}


def load(path: Path) -> dict[str, Any]:
    assert path.exists(), f"no {path}: run make k8s-e2e (QUICK=1 for the shortened run)"
    found: dict[str, Any] = json.loads(path.read_text())
    return found


@pytest.fixture(scope="module", params=sorted(RUNS))
def committed(request: pytest.FixtureRequest) -> dict[str, Any]:
    found = load(RUNS[request.param])
    assert found["kind"] == request.param
    return found


def sizes_of(run: dict[str, Any]) -> Sizes:
    return Sizes.quick() if run["kind"] == "quick" else Sizes.full()


def test_the_run_passed_by_its_figures(committed: dict[str, Any]) -> None:
    assert committed["schema"] == report.SCHEMA
    assert report.problems(committed) == [] == committed["problems"]
    assert committed["passed"] is True
    assert committed["errors"] == []
    assert "+changes" not in committed["commit"]  # made by committed code


def test_every_case_produced_exactly_what_was_scored(committed: dict[str, Any]) -> None:
    sizes = sizes_of(committed)
    expected = {"plain": sizes.plain, "after Kafka was stopped and started": sizes.after_restart}
    cases = {case["case"]: case for case in committed["cases"]}
    assert list(cases) == list(report.CASES)
    for name, case in cases.items():
        count = expected.get(name, sizes.fault)
        assert case["requested"] == case["produced"] == case["scored"] == count, name
        assert case["logged"] == case["log_rows"] == count, name  # one row each in the log
        assert case["producer"]["transactions"] == count, name
        assert case["lost"] == case["doubled"] == case["valid_dead_lettered"] == case["lag"] == 0
        assert case["dead_lettered"] == case["poison"], name
        assert case["offsets_advanced"] == case["produced"] + case["poison"], name
        assert case["producer"]["achieved_tps"] >= 0.5 * RATE_TPS, name
    assert cases["plain"]["producer"]["achieved_tps"] >= 0.95 * RATE_TPS
    assert cases["plain"]["poison"] > 0  # the plain run also proved poison is dead-lettered
    assert all(cases[name]["poison"] == 0 for name in report.CASES[1:])


def test_the_checks_hold_and_the_host_was_left_clean(committed: dict[str, Any]) -> None:
    checks = committed["checks"]
    assert set(checks) == set(report.CHECKS)
    assert all(check["passed"] is True for check in checks.values())
    assert checks["dashboard_stream"]["points"] == committed["cases"][0]["scored"]
    assert checks["helm_upgrade_under_traffic"]["to_tag"] == UPGRADE_TAG
    assert min(checks["helm_upgrade_under_traffic"]["fewest_ready_pods_during_rollout"].values())
    assert committed["scorer_api"]["without_key_status"] == 401
    assert committed["teardown"]
    assert not any(committed["teardown"].values())
    components = {pod["component"] for pod in committed["pods"]}
    assert components >= {*SERVICES, "redis", "postgres", "kube-dns"}
    assert all(pod["ready_s"] is not None for pod in committed["pods"])
    assert committed["timings_s"]["install_to_first_scored_payment"] > 0


def test_the_decision_log_held_every_payment_once(committed: dict[str, Any]) -> None:
    checks, cases = committed["checks"], {case["case"]: case for case in committed["cases"]}
    migrated = checks["decision_log_migrated"]
    assert migrated["migrate_exit_code"] == 0
    assert migrated["applied"] == [m.version for m in migrations()]  # this checkout's schema
    lookups = checks["dashboard_reads_the_log"]
    assert lookups["looked_up"] == decision_log.SAMPLE == lookups["same_as_the_log"]
    assert lookups["statuses"] == {"200": decision_log.SAMPLE}
    assert lookups["unknown_id_status"] == 404
    outage = checks["readiness_while_database_stopped"]
    assert outage["not_ready_while_down"] is True
    assert outage["scored_while_down"] == 0
    assert outage["lag_while_down"][0] > 0
    assert outage["consumer_restarts"] == 0
    assert outage["database_down_s"] >= 10
    after = checks["log_after_the_run"]
    assert after["rows_by_case"] == {name: case["produced"] for name, case in cases.items()}
    assert after["doubled"] == 0
    before_cases = committed["installed"]["scored_from_the_chart_producer"]
    assert after["rows"] == sum(case["produced"] for case in cases.values()) + before_cases


def test_it_is_a_run_of_the_charts_and_images_of_this_checkout(committed: dict[str, Any]) -> None:
    installed = committed["installed"]
    assert installed["chart"] == chart_version()
    assert installed["app_version"] == app_version()
    assert installed["upgrade_tag"] == UPGRADE_TAG
    for chart in ("fraud-producer", "fraud-consumer", "fraud-scorer", "fraud-dashboard"):
        text = (CHARTS_DIR / chart / "Chart.yaml").read_text()
        assert f"version: {installed['chart']}\n" in text, chart
        assert f'appVersion: "{installed["app_version"]}"' in text, chart
    for pod in committed["pods"]:
        if pod["component"] in SERVICES:
            assert pod["image"].endswith(f"fraud-{pod['component']}:{installed['app_version']}")
    images = committed["checks"]["helm_upgrade_under_traffic"]["images"]
    assert set(images) == set(ROLLED)
    assert committed["versions"]["kubernetes"] == KUBERNETES_VERSION


def test_the_markdown_is_the_rendering_of_the_json(committed: dict[str, Any]) -> None:
    rendered = RUNS[committed["kind"]].with_suffix(".md")
    assert rendered.read_text() == markdown.render(committed), "run make k8s-e2e again"


def test_the_readme_quotes_the_committed_full_run() -> None:
    assert markdown.headline(load(REPORT)) in (ROOT / "README.md").read_text()
