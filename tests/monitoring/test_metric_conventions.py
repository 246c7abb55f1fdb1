"""Naming conventions of the metric contract, beyond tests/fraudcore/test_metrics.py, and a
check that everything the dashboards, alerts and alert tests name exists in the contract."""

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest

from fraud_monitoring import alerts, dashboard, promql
from fraud_monitoring.contract import TARGET_LABELS, all_specs, known_series, series_labels
from fraud_monitoring.sample_exporter import SampleTraffic

SPECS = all_specs()
PROMTOOL_TESTS = sorted((Path(__file__).parent / "promtool").glob("*.test.yml"))


def _exposition() -> str:
    traffic = SampleTraffic()
    traffic.tick()
    return "".join(generate_latest(s.registry).decode() for s in traffic.services.values())


def test_promtool_lint_accepts_the_exposition_of_every_metric(promtool: str) -> None:
    text = _exposition()
    for spec in SPECS:  # the sample really covers the whole contract
        assert f"# TYPE {spec.name} " in text, spec.name
    result = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_promtool_lint_does_catch_bad_names(promtool: str) -> None:
    bad = "# HELP fraud_wait_milliseconds x\n# TYPE fraud_wait_milliseconds gauge\n"
    bad += "fraud_wait_milliseconds 1\n"
    result = subprocess.run(
        [promtool, "check", "metrics"], input=bad, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "base unit" in result.stdout + result.stderr


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_labels_are_snake_case_and_do_not_shadow_reserved_labels(spec) -> None:
    for label in spec.labels:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", label), label
        assert not label.startswith("__")
        # le/quantile belong to histograms and summaries; job/instance are set by the scrape.
        assert label not in ("le", "quantile", *TARGET_LABELS), label
    assert len(set(spec.labels)) == len(spec.labels)


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_suffixes_match_the_type_and_unit(spec) -> None:
    reserved = ("_total", "_count", "_sum", "_bucket", "_created", "_info")
    if spec.kind == "info":
        assert spec.name.endswith("_info")  # prometheus_client's Info appends it on export
    else:  # e.g. no fraud_x_count_total, no gauge named like a histogram's series
        assert not spec.name.removesuffix("_total").endswith(reserved), spec.name
    if re.search(r"latency|delay|duration|time_", spec.name):
        assert spec.name.endswith(("_seconds", "_seconds_total")), spec.name
    assert not re.search(
        r"_(ms|millis|milliseconds|us|ns|minutes|hours|kb|mb|percent)(_|$)", spec.name
    )
    if spec.kind == "histogram":
        assert list(spec.buckets) == sorted(set(spec.buckets)), spec.name


def test_no_two_metrics_export_the_same_series_name() -> None:
    names = Counter(name for spec in SPECS for name in series_labels(spec))
    assert [name for name, count in names.items() if count > 1] == []


def test_everything_dashboards_and_alerts_name_exists_in_the_contract() -> None:
    exprs = [
        q.expr
        for q in dashboard.panel_queries(dashboard.load(dashboard.to_json(dashboard.build())))
    ]
    exprs += [alert.expr for alert in alerts.alerts()]
    problems = {expr: promql.unknown_references(expr) for expr in exprs}
    assert {expr: found for expr, found in problems.items() if found} == {}


def test_alert_unit_tests_feed_series_the_contract_defines() -> None:
    # A renamed metric would otherwise leave promtool tests passing on series nobody exports.
    known = known_series()
    for test_file in PROMTOOL_TESTS:
        for group in yaml.safe_load(test_file.read_text())["tests"]:
            for item in group["input_series"]:
                name = item["series"].split("{")[0]
                assert name in known, (test_file.name, name)
                labels = set(re.findall(r"(\w+)=", item["series"]))
                extra = labels - {*known[name], *TARGET_LABELS}
                assert extra == set(), (name, extra)
