"""The node agents' configuration: the kubelet and kube-proxy of the pinned release.

The kubelet: cgroup v1 with the cgroupfs driver (PID 1 here is not systemd, and the release
refuses cgroup v1 unless told ``failCgroupV1: false``), containerd over the node's socket, the
cluster's DNS Service, serving only on the node's address with a certificate the API server
checks, and authenticating and authorising every caller through the API server (no anonymous
access, no read-only port). kube-proxy: iptables mode (IPVS is not in this kernel), NodePorts
only on the node's own address, and conntrack left as the host has it (no sysctl changes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_k8sapi.node.network import DNS_IP, NODE_IP, POD_SUBNET
from fraud_k8sapi.pki import Pair

NODE_NAME = "fraud-node"
CLUSTER_DOMAIN = "cluster.local"


@dataclass(frozen=True)
class KubeletFiles:
    folder: Path
    ca: Path
    kubeconfig: Path
    serving: Pair
    runtime_socket: Path

    @property
    def root_dir(self) -> Path:
        return self.folder / "kubelet"

    @property
    def config(self) -> Path:
        return self.folder / "kubelet.yaml"

    @property
    def resolv_conf(self) -> Path:
        """What pods with dnsPolicy Default (CoreDNS) get: no upstream resolver, so no name
        query ever leaves the machine."""
        return self.folder / "resolv.conf"


def kubelet_config(files: KubeletFiles, port: int, healthz_port: int) -> dict[str, Any]:
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": NODE_IP,
        "port": port,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": healthz_port,
        "tlsCertFile": str(files.serving.cert),
        "tlsPrivateKeyFile": str(files.serving.key),
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(files.ca)},
        },
        "authorization": {"mode": "Webhook"},
        "cgroupDriver": "cgroupfs",
        "failCgroupV1": False,
        "failSwapOn": False,
        "containerRuntimeEndpoint": f"unix://{files.runtime_socket}",
        "clusterDNS": [DNS_IP],
        "clusterDomain": CLUSTER_DOMAIN,
        "resolvConf": str(files.resolv_conf),
        "podLogsDir": str(files.folder / "pod-logs"),
        "staticPodPath": "",
        "serializeImagePulls": False,
        # The disk is shared with other work: evict only when it is really short.
        "evictionHard": {
            "memory.available": "200Mi",
            "nodefs.available": "3%",
            "imagefs.available": "3%",
        },
        # Images are imported, never pulled: the kubelet must not collect them.
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "maxPods": 50,
    }


def kubelet_argv(binary: Path, files: KubeletFiles) -> list[str]:
    return [
        str(binary),
        f"--config={files.config}",
        f"--kubeconfig={files.kubeconfig}",
        f"--root-dir={files.root_dir}",
        f"--hostname-override={NODE_NAME}",
        f"--node-ip={NODE_IP}",
        "--node-labels=topology.kubernetes.io/zone=zone-a",
        "--v=1",
    ]


def proxy_config(kubeconfig: Path, healthz_port: int, metrics_port: int) -> dict[str, Any]:
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": "iptables",
        "clientConnection": {"kubeconfig": str(kubeconfig)},
        "hostnameOverride": NODE_NAME,
        "bindAddress": NODE_IP,
        "healthzBindAddress": f"127.0.0.1:{healthz_port}",
        "metricsBindAddress": f"127.0.0.1:{metrics_port}",
        "clusterCIDR": POD_SUBNET,
        "nodePortAddresses": [f"{NODE_IP}/32"],
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
        },
        "iptables": {"masqueradeAll": False, "syncPeriod": "30s", "minSyncPeriod": "1s"},
    }


def proxy_argv(binary: Path, config: Path) -> list[str]:
    return [str(binary), f"--config={config}", "--v=1"]
