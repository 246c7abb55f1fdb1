"""Planted failures the API server itself must refuse, and which part of it refused them:
Pod Security admission for a privileged root pod, the CRD's structural schema for a Kafka
with an unknown field or a wrong type, and for the decision log's CloudNativePG Cluster."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_k8sapi.kubectl import Client

pytestmark = pytest.mark.k8s_api

FIXTURES = Path(__file__).resolve().parents[1] / "k8s" / "fixtures"
# What a user could put in the scorer's values: root, privileged, escalation allowed.
PRIVILEGED_ROOT = {
    "scorer": {
        "podSecurityContext": {"runAsNonRoot": False, "runAsUser": 0},
        "containerSecurityContext": {
            "privileged": True,
            "runAsNonRoot": False,
            "runAsUser": 0,
            "allowPrivilegeEscalation": True,
        },
    }
}


def _failed_create(kube: Client, namespace: str, deployment: str) -> str:
    """The ReplicaSet controller's FailedCreate message: admission's verdict on the pod."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for event in kube.items("events", namespace):
            involved = event["involvedObject"]["name"]
            if event["reason"] == "FailedCreate" and involved.startswith(f"{deployment}-"):
                return str(event["message"])
        time.sleep(0.5)
    raise AssertionError(f"no FailedCreate event for {deployment}")


def test_a_privileged_root_pod_is_refused_by_pod_security_admission(
    kube: Client, new_namespace: Any, umbrella: Path, tmp_path: Path
) -> None:
    namespace = new_namespace("planted-root")
    values = tmp_path / "privileged.yaml"
    values.write_text(yaml.safe_dump(PRIVILEGED_ROOT))
    minimal = umbrella / "ci" / "minimal-values.yaml"
    result = kube.helm("install", "fraud", str(umbrella), "--namespace", namespace,
                       "--values", str(minimal), "--values", str(values))  # fmt: skip
    # The Deployment is stored (with the admission's warning); its pods never are.
    assert "would violate PodSecurity" in result.stderr
    assert "restricted:latest" in result.stderr
    message = _failed_create(kube, namespace, "fraud-scorer")
    print(f"\nrefused by Pod Security admission: {message}")
    assert 'violates PodSecurity "restricted:latest"' in message
    for violation in ("privileged", "allowPrivilegeEscalation != false", "runAsNonRoot != true",
                      "runAsUser=0"):  # fmt: skip
        assert violation in message, violation
    scorer_pods = kube.items("pods", namespace, "-l", "app.kubernetes.io/name=fraud-scorer")
    assert scorer_pods == []
    kube.helm("uninstall", "fraud", "--namespace", namespace, "--wait")


def _kafka(mutate: Any) -> str:
    kafka = yaml.safe_load((FIXTURES / "kafka-unknown-field.yaml").read_text())
    del kafka["spec"]["kafka"]["replicationFactor"]
    del kafka["metadata"]["namespace"]
    mutate(kafka)
    return yaml.safe_dump(kafka)


def test_the_fixture_without_its_plant_is_accepted(kube: Client, new_namespace: Any) -> None:
    namespace = new_namespace("planted-kafka")
    kube.kubectl("apply", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", "-",
                 stdin=_kafka(lambda _k: None))  # fmt: skip


@pytest.mark.parametrize(
    ("plant", "refusal"),
    [
        (
            lambda k: k["spec"]["kafka"].update(replicationFactor=3),
            'strict decoding error: unknown field "spec.kafka.replicationFactor"',
        ),
        (
            lambda k: k["spec"]["kafka"].update(version=4.3),
            'spec.kafka.version: Invalid value: "number": spec.kafka.version in body must be '
            "of type string",
        ),
    ],
    ids=["unknown-field", "wrong-type"],
)
def test_a_kafka_with_a_planted_error_is_refused_by_the_crd_schema(
    kube: Client, new_namespace: Any, plant: Any, refusal: str
) -> None:
    namespace = new_namespace("planted-kafka")
    result = kube.kubectl("apply", "--validate=strict", "-n", namespace, "-f", "-",
                          stdin=_kafka(plant), check=False)  # fmt: skip
    print(f"\nrefused by the kafkas.kafka.strimzi.io schema: {result.stderr.strip()}")
    assert result.returncode != 0
    assert refusal in result.stderr
    assert kube.items("kafkas", namespace) == []


def _cluster(kube: Client, umbrella: Path, namespace: str) -> dict[str, Any]:
    """The Cluster the umbrella renders with ci/cnpg-values.yaml."""
    values = str(umbrella / "ci" / "cnpg-values.yaml")
    only = "templates/database/cluster.yaml"
    rendered = kube.helm("template", "fraud", str(umbrella), "--namespace", namespace,
                         "--values", values, "--show-only", only, "--validate").stdout  # fmt: skip
    cluster: dict[str, Any] = yaml.safe_load(rendered)
    return cluster


@pytest.mark.parametrize(
    ("plant", "refusal"),
    [
        (None, None),
        (lambda c: c["spec"]["storage"].update(sizee="1Gi"), 'unknown field "spec.storage.sizee"'),
        (lambda c: c["spec"].update(instances=0), "spec.instances in body should be greater"),
    ],
    ids=["as-rendered", "unknown-field", "no-instances"],
)
def test_the_decision_logs_cluster_is_judged_by_the_cnpg_crd(
    kube: Client, new_namespace: Any, umbrella: Path, plant: Any, refusal: str | None
) -> None:
    namespace = new_namespace("planted-cnpg")
    cluster = _cluster(kube, umbrella, namespace)
    if plant:
        plant(cluster)
    result = kube.kubectl("create", "--dry-run=server", "--validate=strict", "-n", namespace,
                          "-f", "-", stdin=yaml.safe_dump(cluster), check=False)  # fmt: skip
    if refusal is None:
        assert result.returncode == 0, result.stderr
    else:
        print(f"\nrefused by the clusters.postgresql.cnpg.io schema: {result.stderr.strip()}")
        assert result.returncode != 0
        assert refusal in result.stderr
