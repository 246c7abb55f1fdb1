import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from fraud_monitoring import alerts, generate, promql
from fraud_monitoring.contract import JOBS

ROOT = Path(__file__).resolve().parents[2]
ALERTS = alerts.alerts()
CRD = ROOT / "k8s" / "schemas" / "crds" / "monitoring.coreos.com_prometheusrules.yaml"


def test_the_alerts_the_issue_asks_for_exist_with_unique_names() -> None:
    names = [alert.name for alert in ALERTS]
    assert len(names) == len(set(names))
    assert {
        "FraudEndToEndLatencyHigh",
        "FraudDeadLetterMessages",
        "FraudConsumerLagGrowing",
        "FraudScorerDown",
        "FraudScorerNotAnswering",
        "FraudNoTransactionsProcessed",
        "FraudPrecisionCollapse",
    } <= set(names)
    assert all(re.fullmatch(r"Fraud[A-Z][A-Za-z]+", name) for name in names)


@pytest.mark.parametrize("alert", ALERTS, ids=lambda alert: alert.name)
def test_alert_names_only_contract_metrics_and_labels(alert: alerts.Alert) -> None:
    assert promql.unknown_references(alert.expr) == []


@pytest.mark.parametrize("alert", ALERTS, ids=lambda alert: alert.name)
def test_alert_is_routable_and_explained(alert: alerts.Alert) -> None:
    rule = alert.rule()
    assert rule["labels"]["severity"] in ("warning", "critical")
    assert rule["labels"]["service"] in {job.name for job in JOBS}
    annotations = rule["annotations"]
    assert set(annotations) == {"summary", "description", "runbook", "runbook_url"}
    assert annotations["runbook"].endswith(".")
    assert len(annotations["runbook"]) < 160
    assert annotations["description"].endswith(".")
    assert re.fullmatch(r"\d+[sm]", rule["for"])


def _anchors(markdown: str) -> set[str]:
    # GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def test_every_runbook_link_has_a_section() -> None:
    runbook = ROOT / alerts.RUNBOOK
    anchors = _anchors(runbook.read_text())
    for alert in ALERTS:
        path, anchor = alert.rule()["annotations"]["runbook_url"].split("#")
        assert ROOT / path == runbook
        assert anchor in anchors, alert.name


def test_prometheus_rule_wraps_exactly_the_rule_file() -> None:
    rule = alerts.prometheus_rule()
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"] == alerts.rule_groups()
    committed_spec = yaml.safe_load((ROOT / generate.PROMETHEUS_RULE).read_text())["spec"]
    assert committed_spec == yaml.safe_load((ROOT / generate.RULES_FILE).read_text())


def _strict(schema: Any) -> Any:
    """A CRD's openAPIV3Schema as a JSON schema that rejects unknown fields."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if "(?i)" in strict.get("pattern", ""):  # Go allows inline flags anywhere, Python only first
        strict["pattern"] = "(?i)" + strict["pattern"].replace("(?i)", "")
    if strict.get("x-kubernetes-int-or-string"):
        strict.pop("type", None)
        strict["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (
        strict.get("type") == "object"
        and "properties" in strict
        and not strict.get("x-kubernetes-preserve-unknown-fields")
        and "additionalProperties" not in strict
    ):
        strict["additionalProperties"] = False
    return strict


def test_prometheus_rule_validates_against_the_operator_crd() -> None:
    crd = yaml.safe_load(CRD.read_text())
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    schema = _strict(version["schema"]["openAPIV3Schema"])
    document = yaml.safe_load((ROOT / generate.PROMETHEUS_RULE).read_text())
    jsonschema.validate(document, schema)
    with pytest.raises(jsonschema.ValidationError):  # the strict schema does bite
        jsonschema.validate({**document, "spec": {"groups": [{"name": "x", "rulez": []}]}}, schema)
