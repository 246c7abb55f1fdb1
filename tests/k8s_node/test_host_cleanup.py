"""Teardown touches only the node's own iptables chains: other engines' chains on the same
machine (podman's NETAVARK-*) and their rules stay (iptables answered by a stand-in)."""

from __future__ import annotations

import subprocess

import pytest

from fraud_k8sapi.node import host

NAT = """\
*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-POSTROUTING - [0:0]
:CNI-8a1b2c - [0:0]
:NETAVARK-1D87 - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -s 10.244.0.5/32 -m comment --comment "name: \\"fraud-k8s\\"" -j CNI-8a1b2c
-A POSTROUTING -s 10.88.0.0/16 -j NETAVARK-1D87
-A KUBE-SERVICES -j KUBE-POSTROUTING
COMMIT
"""


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    made: list[tuple[str, ...]] = []

    def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        made.append(argv)
        out = NAT if argv[0] == "iptables-nft-save" else ""
        return subprocess.CompletedProcess(argv, 0, out, "")

    monkeypatch.setattr(host, "run", run)
    monkeypatch.setattr(host, "_has", lambda tool: tool == "iptables-nft-save")
    return made


def test_only_our_chains_are_found(calls: list[tuple[str, ...]]) -> None:
    assert host.chains() == {
        ("iptables-nft-save", "nat"): ["KUBE-SERVICES", "KUBE-POSTROUTING", "CNI-8a1b2c"]
    }


def test_jumps_into_our_chains_go_then_our_chains(calls: list[tuple[str, ...]]) -> None:
    host.remove_chains()
    changes = [c for c in calls if c[0] == "iptables-nft"]
    deleted_rules = [c for c in changes if "-D" in c]
    assert [c[c.index("-D") + 1] for c in deleted_rules] == [
        "PREROUTING", "POSTROUTING", "POSTROUTING",
    ]  # fmt: skip
    assert all("NETAVARK-1D87" not in c for c in changes)
    cni_jump = ("-s", "10.244.0.5/32", "-m", "comment", "--comment", 'name: "fraud-k8s"')
    assert (
        "iptables-nft",
        "-w",
        "-t",
        "nat",
        "-D",
        "POSTROUTING",
        *cni_jump,
        "-j",
        "CNI-8a1b2c",
    ) in changes
    flushed = [c[-1] for c in changes if "-F" in c]
    removed = [c[-1] for c in changes if "-X" in c]
    assert flushed == removed == ["KUBE-SERVICES", "KUBE-POSTROUTING", "CNI-8a1b2c"]
    assert changes.index(deleted_rules[-1]) < min(changes.index(c) for c in changes if "-F" in c)
