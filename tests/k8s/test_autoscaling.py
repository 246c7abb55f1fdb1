"""Autoscalers: the scorer on CPU, the consumer by HPA or KEDA but never both; PDBs above 1."""

from collections.abc import Callable
from typing import Any

import pytest

from fraud_k8scheck.objects import SCENARIOS, named, of_kind

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]


def _targets(objects: Objects) -> dict[str, list[str]]:
    """Deployment name -> kinds of autoscalers targeting it."""
    targets: dict[str, list[str]] = {}
    for hpa in of_kind(objects, "HorizontalPodAutoscaler"):
        targets.setdefault(hpa["spec"]["scaleTargetRef"]["name"], []).append("hpa")
    for scaled in of_kind(objects, "ScaledObject"):
        targets.setdefault(scaled["spec"]["scaleTargetRef"]["name"], []).append("keda")
    return targets


@pytest.mark.parametrize("mode", ["none", "hpa", "keda"])
def test_the_consumer_has_at_most_the_one_autoscaler_its_mode_names(
    render: Callable[..., Objects], mode: str
) -> None:
    objects = render(None, f"consumer.autoscaling.mode={mode}")
    scalers = _targets(objects).get("fraud-consumer", [])
    assert scalers == ([] if mode == "none" else [mode])
    deployment = named(objects, "Deployment", "fraud-consumer")
    assert ("replicas" in deployment["spec"]) == (mode == "none"), "a fixed count fights the scaler"


def test_no_scenario_renders_hpa_and_keda_for_one_deployment(
    render: Callable[..., Objects],
) -> None:
    for scenario in SCENARIOS:
        for name, kinds in _targets(render(scenario)).items():
            assert len(kinds) == 1, f"{scenario}: {name} has {kinds}"


def test_keda_scales_on_the_consumer_groups_lag(render: Callable[..., Objects]) -> None:
    objects = render("keda")
    (scaled,) = of_kind(objects, "ScaledObject")
    (trigger,) = scaled["spec"]["triggers"]
    config = named(objects, "ConfigMap", "fraud-consumer")["data"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == config["CONSUMER_GROUP_ID"]
    assert trigger["metadata"]["topic"] == config["TOPIC_TRANSACTIONS"]
    auth = named(objects, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert {ref["parameter"] for ref in auth["spec"]["secretTargetRef"]} == {"password"}


def test_the_scorer_scales_on_cpu(render: Callable[..., Objects]) -> None:
    hpa = named(render(), "HorizontalPodAutoscaler", "fraud-scorer")
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    request = named(render(), "Deployment", "fraud-scorer")["spec"]["template"]["spec"]
    cpu = request["containers"][0]["resources"]["requests"]["cpu"]
    target = metric["resource"]["target"]["averageUtilization"]
    # The 70% target must mean real inference load: with the old 100m request it was 70m.
    assert int(cpu.removesuffix("m")) * target / 100 >= 250


@pytest.mark.parametrize("scenario", [None, "auth", "ha"])
def test_no_cpu_autoscaler_where_the_cluster_has_no_metrics_api(
    render: Callable[..., Objects], scenario: str | None
) -> None:
    """kind has no metrics-server: an HPA there shows <unknown> and never scales. Without the
    metrics API the scorer runs its minimum as a fixed count instead."""
    kafka_only = ("kafka.strimzi.io/v1",)
    objects = render(scenario, api_versions=kafka_only)
    assert of_kind(objects, "HorizontalPodAutoscaler") == []
    with_hpa = named(render(scenario), "HorizontalPodAutoscaler", "fraud-scorer")
    deployment = named(objects, "Deployment", "fraud-scorer")
    assert deployment["spec"]["replicas"] == with_hpa["spec"]["minReplicas"]


@pytest.mark.parametrize("scenario", [None, "auth", "keda"])
def test_a_pdb_exists_exactly_where_more_than_one_pod_must_run(
    render: Callable[..., Objects], scenario: str | None
) -> None:
    objects = render(scenario)
    scaled_min = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"]["minReplicas"]
        for hpa in of_kind(objects, "HorizontalPodAutoscaler")
    } | {
        s["spec"]["scaleTargetRef"]["name"]: s["spec"]["minReplicaCount"]
        for s in of_kind(objects, "ScaledObject")
    }
    budgets = {pdb["metadata"]["name"] for pdb in of_kind(objects, "PodDisruptionBudget")}
    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        minimum = scaled_min.get(name, deployment["spec"].get("replicas", 1))
        assert (name in budgets) == (minimum > 1), name
