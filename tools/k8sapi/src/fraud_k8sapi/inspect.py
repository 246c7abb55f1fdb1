"""What a namespace holds after helm acted on it, as the API server reports it.

kwok runs no containers, so it never notices a Secret, ConfigMap, claim or service account
that a pod names but that does not exist; ``missing_references`` does. ``leftovers`` lists
what of a release is still there after `helm uninstall`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fraud_k8sapi.kubectl import Client

Obj = dict[str, Any]
# Kinds the control plane itself creates in every namespace, or records as history.
_CLUSTER_MADE = {
    ("ConfigMap", "kube-root-ca.crt"),
    ("ServiceAccount", "default"),
}
_HISTORY_KINDS = {"Event", "Lease", "EndpointSlice", "Endpoints", "ControllerRevision"}


def not_ready_pods(client: Client, namespace: str) -> list[str]:
    """Pods not scheduled, or not Ready, with the reason the API server gives."""
    problems = []
    for pod in client.items("pods", namespace):
        name = pod["metadata"]["name"]
        conditions = {c["type"]: c for c in pod.get("status", {}).get("conditions", [])}
        if not pod["spec"].get("nodeName"):
            reason = conditions.get("PodScheduled", {}).get("message", "not scheduled")
            problems.append(f"{name}: {reason}")
        elif conditions.get("Ready", {}).get("status") != "True":
            problems.append(f"{name}: {pod['status'].get('phase')}, not Ready")
    return problems


def _pod_references(spec: Obj) -> Iterator[tuple[str, str]]:
    yield "ServiceAccount", spec.get("serviceAccountName", "default")
    for volume in spec.get("volumes", []):
        if "secret" in volume:
            yield "Secret", volume["secret"]["secretName"]
        if "configMap" in volume:
            yield "ConfigMap", volume["configMap"]["name"]
        if "persistentVolumeClaim" in volume:
            yield "PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]
    for container in spec.get("containers", []) + spec.get("initContainers", []):
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                yield "ConfigMap", source["configMapRef"]["name"]
            if "secretRef" in source:
                yield "Secret", source["secretRef"]["name"]
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {})
            if "secretKeyRef" in ref:
                yield "Secret", ref["secretKeyRef"]["name"]
            if "configMapKeyRef" in ref:
                yield "ConfigMap", ref["configMapKeyRef"]["name"]


def missing_references(client: Client, namespace: str, made_elsewhere: Iterable[str]) -> list[str]:
    """Objects the pods name that do not exist (``made_elsewhere``: Secrets an operator
    writes, such as Strimzi's per-KafkaUser Secrets, which no operator runs here to make)."""
    existing = {
        (kind, obj["metadata"]["name"])
        for kind, plural in (
            ("Secret", "secrets"),
            ("ConfigMap", "configmaps"),
            ("PersistentVolumeClaim", "persistentvolumeclaims"),
            ("ServiceAccount", "serviceaccounts"),
        )
        for obj in client.items(plural, namespace)
    }
    existing |= {("Secret", name) for name in made_elsewhere}
    wanted = {
        reference
        for pod in client.items("pods", namespace)
        for reference in _pod_references(pod["spec"])
    }
    return sorted(f"{kind}/{name}" for kind, name in wanted - existing)


def _namespaced_kinds(client: Client) -> list[str]:
    listing = client.kubectl("api-resources", "--namespaced", "--verbs=list", "-o", "name")
    return [kind for kind in listing.stdout.split() if kind]


def objects(client: Client, namespace: str) -> set[tuple[str, str]]:
    """(kind, name) of everything in the namespace but events and other history."""
    found = client.get(",".join(_namespaced_kinds(client)), namespace=namespace)
    return {
        (obj["kind"], obj["metadata"]["name"])
        for obj in found.get("items", [])
        if obj["kind"] not in _HISTORY_KINDS
    }


def leftovers(client: Client, namespace: str, before: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """What is there now that was not before the release, less what the cluster made."""
    return objects(client, namespace) - before - _CLUSTER_MADE
