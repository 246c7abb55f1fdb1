"""The decision log's PostgreSQL, run in the cluster the way a user without an operator would:
a one-replica StatefulSet of the `postgres:15` image (Debian's PostgreSQL 15 from base-images.sh)
with its data on a local PersistentVolume of the node, TLS from a Secret, a Service, and the DSN
in a Secret that the charts read (`global.database.provider: external`, `external.uriKey`).

Stopping it is scaling the StatefulSet to 0 (the pod goes, its claim and data stay); starting it
again brings a new pod onto the same volume.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraud_k8sapi.kubectl import Client
from fraud_k8sapi.node.agents import NODE_NAME
from fraud_k8sapi.pki import Authority
from fraud_k8se2e import pods
from fraud_k8se2e.release import NAMESPACE

NAME = "postgres"
IMAGE = "docker.io/library/postgres:15"  # base-images.sh: Debian's PostgreSQL 15
DSN_SECRET = "db-credentials"  # noqa: S105 - a Secret's name (node-e2e-values.yaml)
DATABASE = USER = "fraud"
HOST = f"{NAME}.{NAMESPACE}.svc.cluster.local"
UID = 999  # the image's postgres user (as the official image's)
LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": NAME}
SECURE = {
    "runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}  # fmt: skip
# The key must be the server's own and 0600: copied out of the Secret's read-only volume first.
START = (
    "install -m 0600 /tls/tls.key /var/run/postgresql/server.key && exec docker-entrypoint.sh "
    "postgres -c ssl=on -c ssl_cert_file=/tls/tls.crt "
    "-c ssl_key_file=/var/run/postgresql/server.key"
)
STOP = ["sh", "-c", 'pg_ctl stop --mode=fast --pgdata="$PGDATA" --wait']


def _secret(name: str, data: dict[str, str], kind: str = "Opaque") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "type": kind,
            "metadata": {"name": name, "namespace": NAMESPACE}, "stringData": data}  # fmt: skip


def _container() -> dict[str, Any]:
    password = {"secretKeyRef": {"name": f"{NAME}-credentials", "key": "password"}}
    ready = ["pg_isready", "--host", "127.0.0.1", "--username", USER, "--dbname", DATABASE]
    return {
        "name": NAME,
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", START],
        "env": [
            {"name": "POSTGRES_USER", "value": USER},
            {"name": "POSTGRES_DB", "value": DATABASE},
            {"name": "POSTGRES_PASSWORD", "valueFrom": password},
            # A sub-folder of the volume: initdb wants to make the data folder itself (0700).
            {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
        ],
        "ports": [{"name": "postgresql", "containerPort": 5432, "protocol": "TCP"}],
        "readinessProbe": {"exec": {"command": ready}, "periodSeconds": 2, "failureThreshold": 2},
        # A fast shutdown (open sessions are ended): the default one waits for every client.
        "lifecycle": {"preStop": {"exec": {"command": STOP}}},
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        "securityContext": SECURE,
        "volumeMounts": [
            {"name": "data", "mountPath": "/var/lib/postgresql/data"},
            {"name": "tls", "mountPath": "/tls", "readOnly": True},
            {"name": "run", "mountPath": "/var/run/postgresql"},
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - in the pod
        ],
    }


def statefulset() -> dict[str, Any]:
    claim = {"metadata": {"name": "data"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "storageClassName": "",
        "resources": {"requests": {"storage": "2Gi"}}}}  # fmt: skip
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": LABELS},
        "spec": {
            "serviceName": NAME,
            "replicas": 1,
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": LABELS},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "terminationGracePeriodSeconds": 30,
                    "containers": [_container()],
                    "volumes": [
                        {
                            "name": "tls",
                            "secret": {"secretName": f"{NAME}-tls", "defaultMode": 0o444},
                        },
                        {"name": "run", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
                        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                    ],
                },
            },
            "volumeClaimTemplates": [claim],
        },
    }


def volume(path: Path) -> dict[str, Any]:
    """A local PersistentVolume on the node, bound ahead to the StatefulSet's one claim."""
    on_node = {"key": "kubernetes.io/hostname", "operator": "In", "values": [NODE_NAME]}
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": f"{NAMESPACE}-{NAME}-data"},
        "spec": {
            "capacity": {"storage": "2Gi"},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "",
            "local": {"path": str(path)},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [on_node]}]}},
            "claimRef": {"namespace": NAMESPACE, "name": f"data-{NAME}-0"},
        },
    }


def service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": LABELS},
        "spec": {"selector": LABELS, "ports": [
            {"name": "postgresql", "port": 5432, "targetPort": "postgresql"}]},
    }  # fmt: skip


@dataclass
class InClusterPostgres:
    client: Client
    workdir: Path
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    def dsn(self, host: str = HOST) -> str:
        return f"postgresql://{USER}:{self.password}@{host}:5432/{DATABASE}?sslmode=require"

    def create(self) -> None:
        """Everything a user creates before `helm install`; the pod starts meanwhile."""
        self.remove()
        self.data.mkdir(parents=True, mode=0o700)
        os.chown(self.data, UID, UID)
        tls = Authority(self.workdir / "tls").issue(
            NAME, common=HOST, hosts=(HOST, f"{NAME}.{NAMESPACE}.svc"), server=True, client=False
        )
        self.client.apply([
            _secret(f"{NAME}-credentials", {"password": self.password}),
            _secret(f"{NAME}-tls", {"tls.crt": tls.cert.read_text(),
                                    "tls.key": tls.key.read_text()}, "kubernetes.io/tls"),
            _secret(DSN_SECRET, {"uri": self.dsn()}),
            volume(self.data), service(), statefulset(),
        ])  # fmt: skip

    def address(self) -> str:
        """The Service's ClusterIP (kube-proxy routes it from the host too)."""
        found: str = self.client.get("service", NAME, namespace=NAMESPACE)["spec"]["clusterIP"]
        return found

    def _scale(self, replicas: int) -> None:
        self.client.kubectl("scale", "statefulset", NAME, "-n", NAMESPACE, f"--replicas={replicas}")

    def stop(self) -> float:
        """Scaled to 0: seconds until its pod was gone (the data stays on the volume)."""
        began = time.monotonic()
        self._scale(0)
        pods.wait(lambda: not self._pods(), 120, "the PostgreSQL pod gone")
        return time.monotonic() - began

    def start(self) -> float:
        """Scaled to 1 again: seconds until the new pod was Ready."""
        began = time.monotonic()
        self._scale(1)
        pods.wait(lambda: any(pods.ready(p) for p in self._pods()), 180, "PostgreSQL Ready")
        return time.monotonic() - began

    def _pods(self) -> list[dict[str, Any]]:
        return [p for p in self.client.items("pods", NAMESPACE) if pods.component(p) == NAME]

    def remove(self) -> None:
        """The data folder and key material of this or an earlier run (the cluster is gone)."""
        shutil.rmtree(self.workdir, ignore_errors=True)
