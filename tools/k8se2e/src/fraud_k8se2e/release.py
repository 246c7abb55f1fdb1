"""The platform's release: the umbrella chart with ci/node-e2e-values.yaml, installed by helm
into a namespace that enforces the restricted Pod Security Standard (as k8s/namespace does),
after the one thing a user of an external Kafka creates first: the Secret with the clients'
SCRAM credentials (the database and its DSN Secret come from database.py)."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from typing import Any

from fraud_k8sapi.kubectl import Client
from fraud_k8scheck import helm as chart_tools
from fraud_k8scheck.components import CHARTS
from fraud_k8scheck.objects import CHARTS_DIR
from fraud_k8se2e.images import SERVICES

NAMESPACE = "fraud"
RELEASE = "fraud"
UMBRELLA = CHARTS_DIR / "fraud-detection"
VALUES = UMBRELLA / "ci" / "node-e2e-values.yaml"
KAFKA_SECRET = "kafka-credentials"  # noqa: S105 - a Secret's name (existingSecret in VALUES)
RESTRICTED = {
    f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "warn", "audit")
}


@dataclass
class Release:
    client: Client
    bootstrap_servers: str

    def prepare(self, username: str, password: str) -> None:
        for chart in CHARTS:
            chart_tools.dependency_build(CHARTS_DIR / chart)
        namespace = {"apiVersion": "v1", "kind": "Namespace",
                     "metadata": {"name": NAMESPACE, "labels": RESTRICTED}}  # fmt: skip
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": KAFKA_SECRET, "namespace": NAMESPACE},
            "stringData": {"username": username, "password": password},
        }
        self.client.apply([namespace, secret])

    def _chart_args(self, *extra: str) -> list[str]:
        return [
            RELEASE, str(UMBRELLA), "--namespace", NAMESPACE, "--values", str(VALUES),
            "--set", f"global.kafka.bootstrapServers={self.bootstrap_servers}", *extra,
        ]  # fmt: skip

    def install(self) -> float:
        """`helm install` (no --wait: the run times every pod itself); seconds it took."""
        began = time.monotonic()
        self.client.helm("install", *self._chart_args())
        return time.monotonic() - began

    def upgrade(self, tag: str, *extra: str) -> str:
        """Every service to ``tag``, waiting for the rollout; helm's output."""
        tags = [f"--set={service}.image.tag={tag}" for service in SERVICES]
        tags.append(f"--set=consumer.warmStart.historyImage.tag={tag}")  # the producer's image
        tags.append(f"--set=consumer.decisionLog.image.tag={tag}")  # the migrate init container
        result = self.client.helm(
            "upgrade", *self._chart_args(*tags, *extra), "--wait", "--timeout", "300s", timeout=360
        )
        return result.output

    def test(self) -> tuple[int, str]:
        """`helm test`: the chart's test hooks run as pods; helm's exit code and output."""
        result = self.client.helm(
            "test", RELEASE, "--namespace", NAMESPACE, "--timeout", "180s", check=False, timeout=240
        )
        return result.returncode, result.output

    def uninstall(self) -> float:
        began = time.monotonic()
        self.client.helm(
            "uninstall", RELEASE, "--namespace", NAMESPACE, "--wait", "--timeout", "180s",
            timeout=240,
        )  # fmt: skip
        return time.monotonic() - began

    def secret_value(self, name: str, key: str) -> str:
        data: dict[str, Any] = self.client.get("secret", name, namespace=NAMESPACE)["data"]
        return base64.b64decode(data[key]).decode()

    def config(self, component: str) -> dict[str, str]:
        found: dict[str, str] = self.client.get(
            "configmap", f"{RELEASE}-{component}", namespace=NAMESPACE
        )["data"]
        return found


def _chart_field(name: str) -> str:
    for line in (UMBRELLA / "Chart.yaml").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip().strip('"')
    raise ValueError(f"no {name} in {UMBRELLA / 'Chart.yaml'}")


def chart_version() -> str:
    return _chart_field("version")


def app_version() -> str:
    """The charts' appVersion: the services' images' default tag."""
    return _chart_field("appVersion")
