"""The node's configuration as the processes get it: the settings this machine kind needs, and
the guards that keep the node's traffic on the machine (pure functions, no node started)."""

from __future__ import annotations

from pathlib import Path

from fraud_k8sapi.components import SERVICE_CIDR
from fraud_k8sapi.node import agents, dns, network
from fraud_k8sapi.node.containerd import CNI_BIN_DIR, Layout, config
from fraud_k8sapi.pki import Pair


def _kubelet(tmp_path: Path) -> dict[str, object]:
    files = agents.KubeletFiles(
        folder=tmp_path,
        ca=tmp_path / "ca.crt",
        kubeconfig=tmp_path / "kubelet.kubeconfig",
        serving=Pair(tmp_path / "s.crt", tmp_path / "s.key"),
        runtime_socket=tmp_path / "containerd.sock",
    )
    return agents.kubelet_config(files, port=10250, healthz_port=10248)


def test_the_kubelet_keeps_cgroup_v1_and_serves_only_on_the_node_address(tmp_path: Path) -> None:
    config = _kubelet(tmp_path)
    assert config["cgroupDriver"] == "cgroupfs"  # PID 1 is not systemd
    assert config["failCgroupV1"] is False  # the release refuses cgroup v1 otherwise
    assert config["address"] == network.NODE_IP
    assert config["healthzBindAddress"] == "127.0.0.1"
    assert config["readOnlyPort"] == 0
    assert config["authentication"]["anonymous"] == {"enabled": False}  # type: ignore[index]
    assert config["authorization"] == {"mode": "Webhook"}
    assert config["clusterDNS"] == [network.DNS_IP]
    assert config["containerRuntimeEndpoint"] == f"unix://{tmp_path / 'containerd.sock'}"


def test_kube_proxy_uses_iptables_and_leaves_the_hosts_conntrack_alone(tmp_path: Path) -> None:
    config = agents.proxy_config(tmp_path / "k", 1, 2)
    assert config["mode"] == "iptables"  # no IPVS in this kernel
    assert config["nodePortAddresses"] == [f"{network.NODE_IP}/32"]  # never on eth0
    assert config["conntrack"]["maxPerCore"] == 0
    assert config["conntrack"]["min"] == 0
    assert config["healthzBindAddress"].startswith("127.0.0.1:")
    assert config["metricsBindAddress"].startswith("127.0.0.1:")


def test_containerd_runs_privately_with_debians_cni_plugins(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    text = config(layout, "localhost/fraud-k8s/pause:x")
    assert "restrict_oom_score_adj = true" in text  # no CAP_SYS_RESOURCE on this machine kind
    assert f'bin_dir = "{CNI_BIN_DIR}"' in text
    assert f'address = "{layout.socket}"' in text
    assert f'root = "{tmp_path}/containerd/root"' in text
    assert 'sandbox_image = "localhost/fraud-k8s/pause:x"' in text
    assert "SystemdCgroup = false" in text


def test_pods_get_no_masquerade_and_addresses_on_the_bridge(tmp_path: Path) -> None:
    conflist = network.conflist(tmp_path)
    bridge = conflist["plugins"][0]
    assert bridge["bridge"] == network.BRIDGE
    assert bridge["isGateway"] is True
    assert bridge["ipMasq"] is False  # pod traffic never leaves the machine to be masqueraded
    (rng,) = bridge["ipam"]["ranges"][0]
    assert rng == {"subnet": network.POD_SUBNET, "gateway": network.NODE_IP}
    assert bridge["ipam"]["dataDir"] == str(tmp_path)


def test_the_dns_service_answers_cluster_names_only() -> None:
    objects = {(o["kind"], o["metadata"]["name"]): o for o in dns.manifests("img")}
    corefile = objects[("ConfigMap", "coredns")]["data"]["Corefile"]
    assert "kubernetes cluster.local" in corefile
    assert "forward" not in corefile  # no query ever reaches the host's resolver
    service = objects[("Service", "kube-dns")]
    assert service["spec"]["clusterIP"] == network.DNS_IP
    assert network.DNS_IP.rsplit(".", 2)[0] == SERVICE_CIDR.rsplit(".", 2)[0]
    pod = objects[("Deployment", "coredns")]["spec"]["template"]["spec"]
    assert pod["dnsPolicy"] == "Default"
    assert pod["securityContext"]["runAsNonRoot"] is True
