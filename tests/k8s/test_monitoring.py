"""Monitoring objects: job labels the alerts select on, the rule file verbatim, the dashboard."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from fraud_k8scheck.objects import UMBRELLA, named, of_kind
from fraud_monitoring.contract import JOBS

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]
MONITORING_KINDS = {"ServiceMonitor", "PodMonitor", "PrometheusRule"}
RULES = UMBRELLA / "files" / "prometheus" / "fraud-alerts.rules.yml"
DASHBOARD = UMBRELLA / "files" / "grafana" / "fraud-pipeline-overview.json"


def _jobs(objects: Objects) -> dict[str, str]:
    """Monitor name -> the job label its relabeling sets."""
    jobs = {}
    for monitor in of_kind(objects, "ServiceMonitor") + of_kind(objects, "PodMonitor"):
        key = "endpoints" if monitor["kind"] == "ServiceMonitor" else "podMetricsEndpoints"
        (endpoint,) = monitor["spec"][key]
        (job,) = [
            r["replacement"] for r in endpoint["relabelings"] if r.get("targetLabel") == "job"
        ]
        jobs[monitor["metadata"]["name"]] = job
    return jobs


def test_every_service_is_scraped_under_its_contract_job(render: Callable[..., Objects]) -> None:
    jobs = set(_jobs(render()).values())
    assert {job.name for job in JOBS} <= jobs
    assert jobs == {"fraud-producer", "fraud-consumer", "fraud-scorer", "fraud-dashboard"} | {
        "fraud-kafka", "fraud-kafka-exporter",
    }  # fmt: skip


def test_the_alerts_only_select_jobs_that_are_scraped(render: Callable[..., Objects]) -> None:
    selected = set(re.findall(r'job="([a-z-]+)"', RULES.read_text()))
    for alternatives in re.findall(r'job=~"([a-z|-]+)"', RULES.read_text()):
        selected |= set(alternatives.split("|"))
    assert selected
    assert selected <= set(_jobs(render()).values())


def test_strimzi_metrics_come_from_the_jmx_and_kafka_exporters(
    render: Callable[..., Objects],
) -> None:
    objects = render()
    for name in ("fraud-kafka", "fraud-kafka-exporter"):
        monitor = named(objects, "PodMonitor", name)
        assert monitor["spec"]["selector"]["matchLabels"]["strimzi.io/name"] == name
        assert monitor["spec"]["podMetricsEndpoints"][0]["port"] == "tcp-prometheus"


def test_the_prometheus_rule_is_the_rule_file_verbatim(render: Callable[..., Objects]) -> None:
    rule = named(render(), "PrometheusRule", "fraud-alerts")
    assert rule["spec"] == yaml.safe_load(RULES.read_text())
    assert "{{ $value" in json.dumps(rule["spec"]), "Prometheus templates must survive (no tpl)"


def test_the_dashboard_configmap_carries_the_generated_json(render: Callable[..., Objects]) -> None:
    config_map = named(render(), "ConfigMap", "fraud-grafana-dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(config_map["data"]["fraud-pipeline-overview.json"]) == json.loads(
        DASHBOARD.read_text()
    )


def test_additional_labels_reach_every_monitoring_object(render: Callable[..., Objects]) -> None:
    objects = render(None, "global.monitoring.additionalLabels.release=monitoring")
    tagged = [obj for obj in objects if obj["kind"] in MONITORING_KINDS]
    tagged.append(named(objects, "ConfigMap", "fraud-grafana-dashboard"))
    assert len(tagged) >= 8
    for obj in tagged:
        assert obj["metadata"]["labels"]["release"] == "monitoring", obj["metadata"]["name"]


def test_monitoring_off_renders_no_monitoring_objects(render: Callable[..., Objects]) -> None:
    objects = render("monitoring-off")
    assert not [obj for obj in objects if obj["kind"] in MONITORING_KINDS]
    assert not [
        obj
        for obj in of_kind(objects, "ConfigMap")
        if "grafana_dashboard" in obj["metadata"]["labels"]
    ]


def test_no_monitoring_object_where_the_operator_api_is_missing(
    render: Callable[..., Objects],
) -> None:
    """Without the Prometheus Operator's CRDs an install failed on "no matches for kind
    ServiceMonitor"; monitoring stays on by default but renders only what the cluster serves."""
    objects = render(None, api_versions=("kafka.strimzi.io/v1", "metrics.k8s.io/v1beta1"))
    assert not [obj for obj in objects if obj["kind"] in MONITORING_KINDS]
    named(objects, "ConfigMap", "fraud-grafana-dashboard")  # a plain ConfigMap needs no CRD


def test_a_stock_kube_prometheus_stack_selects_the_objects_by_default(
    render: Callable[..., Objects],
) -> None:
    """kube-prometheus-stack's Prometheus selects monitors and rules by its release label."""
    tagged = [obj for obj in render() if obj["kind"] in MONITORING_KINDS]
    assert len(tagged) >= 7
    for obj in tagged:
        assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack"
