"""`make k8s-api-up` / `k8s-api-down` as the README uses them: a control plane in the background,
its kubeconfig in <dir>/kubeconfig and KUBECONFIG in <dir>/env beside what was there, and every
process it started gone after `down`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fraud_k8sapi import cli
from fraud_k8sapi.cluster import STATE
from fraud_k8sapi.kubectl import Client
from fraud_k8sapi.versions import KUBERNETES

pytestmark = pytest.mark.k8s_api


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_up_writes_the_kubeconfig_and_down_stops_everything(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    env_file.write_text("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9\n")  # what infra-up wrote
    try:
        assert cli.main(["up", "--dir", str(tmp_path)]) == 0
        state = json.loads((tmp_path / cli.SUBDIR / STATE).read_text())
        pids = [entry["pid"] for entry in state["processes"]]
        assert len(pids) == 5
        assert all(_alive(pid) for pid in pids)
        kubeconfig = tmp_path / "kubeconfig"
        assert oct(kubeconfig.stat().st_mode & 0o777) == "0o600"
        assert env_file.read_text().splitlines() == [
            "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9",
            f"KUBECONFIG={kubeconfig.resolve()}",
        ]
        client = Client(KUBERNETES.path("kubectl"), kubeconfig)
        assert len(client.items("nodes")) == 3
        # The operators' CRDs are there before the first helm install.
        crd = client.get("crd", "kafkas.kafka.strimzi.io")
        assert crd["spec"]["versions"][0]["name"] == "v1"
    finally:
        assert cli.main(["down", "--dir", str(tmp_path)]) == 0
    assert not any(_alive(pid) for pid in pids)
    assert not (tmp_path / "kubeconfig").exists()
    assert env_file.read_text() == "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9\n"
    assert not (tmp_path / cli.SUBDIR).exists()
