"""A real control plane for the session: etcd, kube-apiserver, controller-manager, scheduler
and three kwok nodes, started on loopback by the tests and stopped after them (also when a
test fails half-way). The operators' CRDs and roles are applied before any chart.

Needs the binaries of `make k8s-api-tools` (built on first use otherwise) and helm; without
helm the tests skip, unless FRAUD_K8S_REQUIRED is set (make k8s-api-check sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fraud_k8sapi import upstream
from fraud_k8sapi.cluster import Cluster, server_version
from fraud_k8sapi.kubectl import Client
from fraud_k8scheck import helm, tools
from fraud_k8scheck.components import CHARTS
from fraud_k8scheck.objects import CHARTS_DIR

_REPORT: dict[str, str] = {}
RESTRICTED = "pod-security.kubernetes.io/enforce"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _REPORT:
        terminalreporter.write_sep("-", "real Kubernetes API server")
        for key, value in _REPORT.items():
            terminalreporter.write_line(f"{key}: {value}")


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if tools.helm() is None:
        if os.environ.get("FRAUD_K8S_REQUIRED"):
            pytest.fail("helm not installed (make k8s-tools)")
        pytest.skip("helm not installed: run make k8s-tools, or make k8s-api-check")
    for chart in CHARTS:
        helm.dependency_build(CHARTS_DIR / chart)
    control_plane = Cluster(tmp_path_factory.mktemp("k8s-api"), log=lambda _line: None).start()
    try:
        upstream.apply_crds(control_plane.client())
        _REPORT["server version (GET /version)"] = server_version(control_plane.client())
        _REPORT["server"] = control_plane.server
        yield control_plane
    finally:
        control_plane.stop()


@pytest.fixture(scope="session")
def kube(cluster: Cluster) -> Client:
    return cluster.client()


NamespaceFactory = Callable[[str], str]


@pytest.fixture
def new_namespace(kube: Client) -> NamespaceFactory:
    """A fresh namespace enforcing the restricted Pod Security Standard, as k8s/namespace does."""

    def make(prefix: str) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        kube.apply(
            [
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": name, "labels": {RESTRICTED: "restricted"}},
                }
            ]
        )
        return name

    return make


@pytest.fixture(scope="session")
def umbrella() -> Path:
    return CHARTS_DIR / "fraud-detection"
