"""Finding things in lists of rendered objects, and the repository's k8s paths."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fraud_k8scheck.components import repo_root

Obj = dict[str, Any]

ROOT = repo_root()
CHARTS_DIR = ROOT / "charts"
UMBRELLA = CHARTS_DIR / "fraud-detection"
SCHEMAS = ROOT / "k8s" / "schemas"
SCENARIOS: tuple[str, ...] = tuple(
    sorted(
        path.name.removesuffix("-values.yaml") for path in (UMBRELLA / "ci").glob("*-values.yaml")
    )
)

# The model registry on (global.modelRegistry) in the release's CloudNativePG Cluster, the store
# on a claim `fraud-models register` fills, the consumers scoring embedded. Not a ci/ scenario:
# on the API server's kwok nodes a pod with an unbound claim is never scheduled; the static
# checks render it beside the scenarios (`--set` values of the umbrella chart).
MODEL_REGISTRY: tuple[str, ...] = (
    "global.database.provider=cnpg",
    "global.modelRegistry.enabled=true",
    "global.modelRegistry.store.existingClaim=fraud-model-store",
    "consumer.scoringMode=embedded",
    "scorer.config.MODEL_REGISTRY_POLL_S=10",
)


def of_kind(objects: Iterable[Obj], kind: str) -> list[Obj]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: Iterable[Obj], kind: str, name: str) -> Obj:
    matches = [obj for obj in of_kind(objects, kind) if obj["metadata"]["name"] == name]
    if len(matches) != 1:
        raise LookupError(f"{kind}/{name}: {len(matches)} rendered")
    return matches[0]


def pod_specs(objects: Iterable[Obj]) -> Iterator[tuple[Obj, Obj]]:
    """(workload, pod spec) of every Deployment and StatefulSet."""
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            yield obj, obj["spec"]["template"]["spec"]


def env_of(objects: list[Obj], workload: Obj) -> dict[str, str]:
    """A workload's first container's environment: envFrom ConfigMaps, then env entries.

    Values from Secrets appear as "secret:<name>/<key>", from the downward API as "field:<path>".
    """
    container = workload["spec"]["template"]["spec"]["containers"][0]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        config_map = named(objects, "ConfigMap", source["configMapRef"]["name"])
        env.update(config_map.get("data", {}))
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
        elif "fieldRef" in entry["valueFrom"]:
            env[entry["name"]] = f"field:{entry['valueFrom']['fieldRef']['fieldPath']}"
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            env[entry["name"]] = f"secret:{ref['name']}/{ref['key']}"
    return env
