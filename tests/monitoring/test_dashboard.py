import subprocess
from pathlib import Path

import yaml

from fraud_monitoring import dashboard, generate, promql
from fraud_monitoring.contract import LATENCY_BUDGET_S, series_labels
from fraudcore import metrics as m

BUILT = dashboard.load(dashboard.to_json(dashboard.build()))
QUERIES = dashboard.panel_queries(BUILT)


def _panels() -> list[dict]:
    return [panel for panel in BUILT["panels"] if panel["type"] != "row"]


def test_every_query_names_only_metrics_and_labels_of_the_contract() -> None:
    assert QUERIES
    problems = {q.expr: promql.unknown_references(q.expr) for q in QUERIES}
    assert {expr: found for expr, found in problems.items() if found} == {}


def test_the_panels_the_overview_promises_are_there() -> None:
    used = set().union(*(promql.references(q.expr).metrics for q in QUERIES))
    wanted = [
        m.END_TO_END_LATENCY,
        m.STAGE_LATENCY,
        m.CONSUMER_TRANSACTIONS,
        m.PRODUCER_TRANSACTIONS,
        m.DECISIONS,
        m.CONSUMER_LAG,
        m.DLQ_MESSAGES,
        m.SCORER_REQUEST_LATENCY,
        m.SCORER_INFERENCE_LATENCY,
        m.SCORER_REQUESTS,
        m.MODEL_INFO,
        m.MODEL_PRECISION,
        m.MODEL_RECALL,
        m.LABELS_RECEIVED,
        m.CONSUMER_RETRIES,
        m.CONSUMER_PAUSED,
        m.DASHBOARD_CLIENTS,
        m.LOG_PRECISION,
        m.LOG_RECALL,
        m.LOG_ALERT_RATE,
        m.LOG_LABEL_COVERAGE,
    ]
    missing = [spec.name for spec in wanted if not used & series_labels(spec).keys()]
    assert missing == []
    assert "up" in used


def test_end_to_end_panel_shows_p50_p95_p99_against_the_budget() -> None:
    panel = next(p for p in _panels() if p["title"].startswith("End-to-end latency"))
    exprs = [target["expr"] for target in panel["targets"]]
    assert [expr.split(",")[0] for expr in exprs] == [
        "histogram_quantile(0.5",
        "histogram_quantile(0.95",
        "histogram_quantile(0.99",
    ]
    assert all("fraud_end_to_end_latency_seconds_bucket" in expr for expr in exprs)
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["unit"] == "s"
    assert LATENCY_BUDGET_S in [step["value"] for step in defaults["thresholds"]["steps"]]
    assert defaults["custom"]["thresholdsStyle"]["mode"] != "off"


def test_panels_use_the_datasource_variable_and_unique_ids() -> None:
    variables = {v["name"]: v for v in BUILT["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = [panel["id"] for panel in BUILT["panels"]]
    assert len(ids) == len(set(ids))
    for panel in _panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["description"], panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])
    assert BUILT["uid"] == dashboard.UID


def test_legends_are_on_for_multi_series_graphs() -> None:
    for panel in _panels():
        if panel["type"] == "timeseries":
            assert panel["options"]["legend"]["showLegend"] is True, panel["title"]


def test_panel_queries_read_the_committed_file_like_the_generated_one(tmp_path: Path) -> None:
    committed = (Path(__file__).resolve().parents[2] / generate.DASHBOARD_JSON).read_text()
    assert dashboard.panel_queries(dashboard.load(committed)) == QUERIES


def test_panel_queries_look_inside_collapsed_rows() -> None:
    nested = {"panels": [{"type": "row", "title": "r", "panels": [
        {"title": "inner", "targets": [{"expr": "up", "refId": "A"}, {"refId": "B"}]}
    ]}]}  # fmt: skip
    assert dashboard.panel_queries(nested) == [dashboard.PanelQuery("inner", "up")]


def test_every_query_parses_with_the_prometheus_parser(promtool: str, tmp_path: Path) -> None:
    # promtool has no "check query"; recording rules go through the same PromQL parser.
    rules = [
        {
            "record": f"panel_query_{index}",
            "expr": dashboard.expand_grafana_variables(q.expr, rate_interval="1m"),
        }
        for index, q in enumerate(QUERIES)
    ]
    rule_file = tmp_path / "panels.rules.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(rule_file)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
