"""The control plane is what it claims: the pinned release (as the server reports it), three
kwok nodes of 2 CPU / 8 GiB, default storage, and the operators' CRDs established."""

from __future__ import annotations

import json

import pytest
import yaml

from fraud_k8sapi import upstream
from fraud_k8sapi.cluster import server_version
from fraud_k8sapi.kubectl import Client
from fraud_k8sapi.versions import KUBERNETES_VERSION

pytestmark = pytest.mark.k8s_api


def test_the_server_and_kubectl_report_the_pinned_release(kube: Client) -> None:
    assert server_version(kube) == KUBERNETES_VERSION
    client = json.loads(kube.kubectl("version", "--client", "-o", "json").stdout)
    assert client["clientVersion"]["gitVersion"] == KUBERNETES_VERSION


def test_three_ready_kwok_nodes_of_2_cpu_and_8_gib(kube: Client) -> None:
    nodes = kube.items("nodes")
    assert len(nodes) == 3
    for node in nodes:
        assert node["status"]["allocatable"]["cpu"] == "2"
        assert node["status"]["allocatable"]["memory"] == "8Gi"
        ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
        assert ready == "True"
    zones = {node["metadata"]["labels"]["topology.kubernetes.io/zone"] for node in nodes}
    assert len(zones) == 3


def test_the_operators_crds_are_established(kube: Client) -> None:
    established = {
        crd["metadata"]["name"]
        for crd in kube.items("crds")
        if {c["type"]: c["status"] for c in crd["status"]["conditions"]}["Established"] == "True"
    }
    committed = {
        yaml.safe_load(path.read_text())["metadata"]["name"]
        for path in upstream.committed()
        if path.parent.name == "crds"
    }
    assert len(committed) == 10
    assert committed <= established


def test_the_committed_upstream_files_are_what_their_registries_serve() -> None:
    """Every CRD and role in k8s/schemas is made again from its registry and compared."""
    assert upstream.differences() == []
