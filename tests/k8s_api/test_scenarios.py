"""Every ci/*-values.yaml scenario through a release's life on a real API server, each in its
own namespace enforcing the restricted Pod Security Standard: strict server-side validation,
`helm install --wait` (kwok makes the scheduled pods Running and Ready), an upgrade with
changed values, a rollback, and an uninstall that leaves only what the charts document."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_k8sapi import inspect
from fraud_k8sapi.cluster import wait_for
from fraud_k8sapi.kubectl import Client
from fraud_k8scheck.objects import SCENARIOS

pytestmark = pytest.mark.k8s_api

RELEASE = "fraud"
SERVICES = ("producer", "consumer", "scorer", "dashboard")
NEW_TAG = "0.2.0"
# Changed values of the upgrade: image tags, a replica count, Redis persistence, auth on.
UPGRADE: dict[str, Any] = {
    **{name: {"image": {"tag": NEW_TAG}} for name in SERVICES},
    "dashboard": {"image": {"tag": NEW_TAG}, "replicaCount": 3},
    "redis": {"persistence": {"enabled": True}},
    "global": {
        "kafka": {"auth": {"enabled": True}},
        "redis": {"auth": {"enabled": True}},
        "scorerApiKey": {"enabled": True},
    },
}
# What a user of an existing Kafka, Redis or database creates first (ci/external-kafka-values.yaml,
# ci/node-e2e-values.yaml, ci/external-db-values.yaml).
EXTERNAL_SECRETS = {
    "kafka-credentials-producer": ("password",),
    "kafka-credentials-consumer": ("password",),
    "kafka-credentials": ("username", "password"),
    "redis-credentials": ("redis-password",),
    "kafka-cluster-ca": ("ca.crt",),  # ci/external-kafka-values.yaml: the brokers' CA
    "db-credentials": ("uri",),  # ci/external-db-values.yaml, ci/node-e2e-values.yaml
    "fraud-dashboard-users": ("users",),  # ci/auth-values.yaml: the dashboard's users file
}


def _secret(name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "stringData": {key: "s3cret-for-the-test" for key in keys}}  # fmt: skip


def _helm_ok(client: Client, *args: str) -> str:
    result = client.helm(*args)
    # The server's warnings (Pod Security "would violate", unknown fields dropped, deprecated
    # APIs) reach helm's stderr through client-go's warning handler.
    assert "warnings.go" not in result.stderr, result.stderr
    return result.output


def _operator_secrets(client: Client, namespace: str) -> list[str]:
    """Strimzi's user operator writes one Secret per KafkaUser, CloudNativePG one per Cluster
    with its application user's password (<cluster>-app); no operator runs here."""
    users = [user["metadata"]["name"] for user in client.items("kafkausers", namespace)]
    clusters = client.items("clusters.postgresql.cnpg.io", namespace)
    return users + [f"{cluster['metadata']['name']}-app" for cluster in clusters]


def _split_test_hooks(manifest: str) -> tuple[str, str]:
    """(what `helm install` creates, the pods and policy `helm test` creates) as YAML streams."""
    objects = [obj for obj in yaml.safe_load_all(manifest) if obj]
    hooks = [obj.get("metadata", {}).get("annotations", {}).get("helm.sh/hook") for obj in objects]
    tests = [obj for obj, hook in zip(objects, hooks, strict=True) if hook == "test"]
    release = [obj for obj, hook in zip(objects, hooks, strict=True) if hook != "test"]
    assert tests, "no helm test hooks rendered"
    return yaml.safe_dump_all(release), yaml.safe_dump_all(tests)


def _check_running(client: Client, namespace: str) -> None:
    assert inspect.not_ready_pods(client, namespace) == []
    made_elsewhere = _operator_secrets(client, namespace)
    assert inspect.missing_references(client, namespace, made_elsewhere) == []


def _settled_replicas(client: Client, namespace: str, name: str) -> int:
    """A deployment's ready replicas once its rollout has settled: `helm --wait` returns when
    the new pods are ready, while an old one may still be terminating (and counted ready)."""

    seen: list[int] = []

    def settled() -> bool:
        status = client.get("deployment", name, namespace=namespace)["status"]
        counts = [status.get(k, 0) for k in ("replicas", "updatedReplicas", "readyReplicas")]
        seen[:] = counts[-1:]  # the ready count of the very status judged settled
        return len(set(counts)) == 1

    wait_for(settled, 60, f"deployment {name}'s rollout settled")
    return seen[0]


def _images(client: Client, namespace: str) -> dict[str, str]:
    return {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for d in client.items("deployments", namespace)
    }


def _wait_for_leftovers(
    client: Client, namespace: str, before: set[tuple[str, str]], expected: set[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The garbage collector removes ReplicaSets and pods after helm is done: give it time."""
    deadline = time.monotonic() + 90
    while True:
        left = inspect.leftovers(client, namespace, before)
        if left == expected or time.monotonic() > deadline:
            return left
        time.sleep(1)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_install_upgrade_rollback_uninstall(
    kube: Client, new_namespace: Any, umbrella: Path, tmp_path: Path, scenario: str
) -> None:
    namespace = new_namespace(scenario)
    values = umbrella / "ci" / f"{scenario}-values.yaml"
    external_redis = not yaml.safe_load(values.read_text()).get("redis", {}).get("enabled", True)
    upgrade = dict(UPGRADE)
    kube.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump_all(
        [_secret(name, keys) for name, keys in EXTERNAL_SECRETS.items()]))  # fmt: skip
    if external_redis:
        upgrade["global"] = {**UPGRADE["global"], "redis": {"auth": {
            "enabled": True, "existingSecret": "redis-credentials"}}}  # fmt: skip
        del upgrade["redis"]
    upgrade_file = tmp_path / "upgrade.yaml"
    upgrade_file.write_text(yaml.safe_dump(upgrade))
    before = inspect.objects(kube, namespace)
    chart = [RELEASE, str(umbrella), "--namespace", namespace, "--values", str(values)]

    # Every object accepted by the server with strict field validation (helm itself would only
    # warn and drop an unknown field); --validate renders with the cluster's own capabilities.
    # `helm test`'s pods run as the scorer's service account: checked once the install made it.
    manifest = kube.helm("template", *chart, "--validate").stdout
    release, tests = _split_test_hooks(manifest)
    kube.kubectl("create", "--dry-run=server", "--validate=strict", "-f", "-", stdin=release)

    _helm_ok(kube, "install", *chart, "--wait", "--timeout", "180s")
    _check_running(kube, namespace)
    kube.kubectl("create", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", "-",
                 stdin=tests)  # fmt: skip
    first_images = _images(kube, namespace)
    assert all(image.endswith(":0.1.0") for image in first_images.values()), first_images

    _helm_ok(kube, "upgrade", *chart, "--values", str(upgrade_file), "--wait", "--timeout", "180s")
    _check_running(kube, namespace)
    assert all(image.endswith(f":{NEW_TAG}") for image in _images(kube, namespace).values())
    assert _settled_replicas(kube, namespace, f"{RELEASE}-dashboard") == 3
    secrets = {s["metadata"]["name"] for s in kube.items("secrets", namespace)}
    assert f"{RELEASE}-scorer-api-key" in secrets
    if not external_redis:
        assert f"{RELEASE}-redis-auth" in secrets
        claim = kube.get("pvc", f"{RELEASE}-redis-data", namespace=namespace)
        assert claim["status"]["phase"] == "Bound"

    _helm_ok(
        kube, "rollback", RELEASE, "1", "--namespace", namespace, "--wait", "--timeout", "180s"
    )
    _check_running(kube, namespace)
    assert _images(kube, namespace) == first_images

    _helm_ok(kube, "uninstall", RELEASE, "--namespace", namespace, "--wait", "--timeout", "180s")
    # Kept by design (charts/fraud-redis/values.yaml, persistence): Redis's data claim.
    kept = set() if external_redis else {("PersistentVolumeClaim", f"{RELEASE}-redis-data")}
    assert _wait_for_leftovers(kube, namespace, before, kept) == kept
