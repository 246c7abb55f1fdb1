"""The operators' CRDs and RBAC, from the releases the project pins, kept in k8s/schemas.

Every file is obtained from a package registry and committed unchanged:
- KEDA, the Prometheus Operator and CloudNativePG publish Go modules whose zips hold their CRDs
  and roles.
- Strimzi publishes its API classes and its CRD generator to Maven Central, not the YAML; the
  release's CRDs are what that generator makes of those classes with the arguments the
  release's own api pom gives it (below), so they are regenerated here the same way.
``refresh`` writes them, ``differences`` says which committed file no longer matches its
source, and ``apply_crds`` installs them on a cluster before the charts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from fraud_k8sapi.build import run_go
from fraud_k8sapi.kubectl import Client
from fraud_k8scheck.objects import SCHEMAS

STRIMZI_VERSION = "1.2.0"
KEDA_VERSION = "v2.21.0"
# The operator that kube-prometheus-stack 77.14.0 (k8s/monitoring) installs.
PROMETHEUS_OPERATOR_VERSION = "v0.85.0"
KEDA = "github.com/kedacore/keda/v2"
PROMETHEUS_OPERATOR = "github.com/prometheus-operator/prometheus-operator"
# CloudNativePG: the decision log's PostgreSQL on Kubernetes (postgresql.cnpg.io/v1 Cluster).
CNPG_VERSION = "v1.30.1"
CNPG = "github.com/cloudnative-pg/cloudnative-pg"


@dataclass(frozen=True)
class GoFile:
    target: str  # path under k8s/schemas
    module: str
    version: str
    path: str  # inside the module


GO_FILES = (
    GoFile(
        "crds/postgresql.cnpg.io_clusters.yaml",
        CNPG,
        CNPG_VERSION,
        "config/crd/bases/postgresql.cnpg.io_clusters.yaml",
    ),
    *(
        GoFile(f"crds/{name}", KEDA, KEDA_VERSION, f"config/crd/bases/{name}")
        for name in ("keda.sh_scaledobjects.yaml", "keda.sh_triggerauthentications.yaml")
    ),
    GoFile("rbac/keda-operator-role.yaml", KEDA, KEDA_VERSION, "config/rbac/role.yaml"),
    *(
        GoFile(
            f"crds/monitoring.coreos.com_{name}.yaml",
            PROMETHEUS_OPERATOR,
            PROMETHEUS_OPERATOR_VERSION,
            f"example/prometheus-operator-crd/monitoring.coreos.com_{name}.yaml",
        )
        for name in ("servicemonitors", "podmonitors", "prometheusrules")
    ),
    GoFile(
        "rbac/prometheus-operator-cluster-role.yaml",
        PROMETHEUS_OPERATOR,
        PROMETHEUS_OPERATOR_VERSION,
        "example/rbac/prometheus-operator/prometheus-operator-cluster-role.yaml",
    ),
)

# Strimzi's CRDs the chart uses: model class -> the release's file name.
STRIMZI_CRDS = {
    "io.strimzi.api.kafka.model.kafka.Kafka": "040-Crd-kafka.yaml",
    "io.strimzi.api.kafka.model.topic.KafkaTopic": "043-Crd-kafkatopic.yaml",
    "io.strimzi.api.kafka.model.user.KafkaUser": "044-Crd-kafkauser.yaml",
    "io.strimzi.api.kafka.model.nodepool.KafkaNodePool": "045-Crd-kafkanodepool.yaml",
}
# The generator's arguments in io.strimzi:api:1.2.0's pom (execution generate-crd-co-install-v1).
STRIMZI_ARGS = (
    "--label", "app:strimzi", "--label", "strimzi.io/crd-install:true",
    "--target-kube", "1.16+", "--crd-api-version", "v1", "--api-versions", "v1",
    "--storage-version", "v1", "--yaml",
)  # fmt: skip
STRIMZI_POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>fraud-detection</groupId><artifactId>strimzi-crds</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>{STRIMZI_VERSION}</version></dependency>
    <dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>{STRIMZI_VERSION}</version></dependency>
  </dependencies>
</project>
"""


def _module_dir(module: str, version: str) -> Path:
    info = json.loads(run_go(["mod", "download", "-json", f"{module}@{version}"]))
    if "Error" in info:
        raise RuntimeError(f"{module}@{version}: {info['Error']}")
    return Path(info["Dir"])


def java21() -> Path:
    """A Java of 21 or newer: Strimzi's generator is built for it (the default here is 17)."""
    for home in (os.environ.get("STRIMZI_JAVA_HOME"), "/usr/lib/jvm/temurin-25-jdk-amd64"):
        if home and (Path(home) / "bin" / "java").is_file():
            return Path(home) / "bin" / "java"
    raise FileNotFoundError("Java >= 21 not found: set STRIMZI_JAVA_HOME")


def strimzi_crds(into: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="strimzi-crds-") as work:
        (Path(work) / "pom.xml").write_text(STRIMZI_POM)
        resolve = ["mvn", "-q", "-B", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt"]
        subprocess.run(resolve, cwd=work, check=True, capture_output=True)  # noqa: S603
        classpath = (Path(work) / "cp.txt").read_text().strip()
        targets = [f"{model}={into / name}" for model, name in STRIMZI_CRDS.items()]
        generate = [str(java21()), "-cp", classpath, "io.strimzi.crdgenerator.CrdGenerator"]
        subprocess.run([*generate, *STRIMZI_ARGS, *targets], check=True, capture_output=True)  # noqa: S603


def _fresh(into: Path) -> dict[str, Path]:
    """Every upstream file made afresh under ``into``: target name -> file."""
    made = {}
    for spec in GO_FILES:
        target = into / spec.target
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_module_dir(spec.module, spec.version) / spec.path, target)
        made[spec.target] = target
    (into / "crds").mkdir(parents=True, exist_ok=True)
    strimzi_crds(into / "crds")
    for name in STRIMZI_CRDS.values():
        made[f"crds/strimzi-{name}"] = (into / "crds" / name).rename(
            into / "crds" / f"strimzi-{name}"
        )
    return made


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refresh(schemas: Path = SCHEMAS) -> list[str]:
    with tempfile.TemporaryDirectory() as work:
        written = []
        for target, made in _fresh(Path(work)).items():
            shutil.copyfile(made, schemas / target)
            written.append(target)
    return written


def differences(schemas: Path = SCHEMAS) -> list[str]:
    with tempfile.TemporaryDirectory() as work:
        return [
            target
            for target, made in _fresh(Path(work)).items()
            if not (schemas / target).exists() or sha256(made) != sha256(schemas / target)
        ]


def committed(schemas: Path = SCHEMAS) -> list[Path]:
    return sorted((schemas / "crds").glob("*.yaml")) + sorted((schemas / "rbac").glob("*.yaml"))


def apply_crds(client: Client, schemas: Path = SCHEMAS) -> None:
    """Apply the CRDs and roles (server-side: the Kafka CRD is too large for client-side)."""
    objects = [
        doc
        for path in committed(schemas)
        for doc in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader)
        if doc
    ]
    # The namespaces the operators' own objects live in (KEDA's leader-election Role: keda).
    namespaces = sorted(
        {o["metadata"]["namespace"] for o in objects if "namespace" in o["metadata"]}
    )
    client.apply(
        [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in namespaces]
    )
    client.apply(objects)
    crds = [obj for obj in objects if obj["kind"] == "CustomResourceDefinition"]
    names = [f"crd/{crd['metadata']['name']}" for crd in crds]
    client.kubectl("wait", "--for=condition=Established", "--timeout=60s", *names)
