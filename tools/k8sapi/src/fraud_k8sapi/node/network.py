"""The node's network on the host: one bridge that the pods hang on, owned by this node.

The bridge carries the node's own address (NODE_IP, the pods' gateway): the API server, the
kubelet and the Kafka broker of the end-to-end run listen there, so pods reach them and nothing
outside the machine does. Two guards keep every packet on the machine: the Service range is
routed onto the bridge (a Service address without kube-proxy's rules yet goes nowhere instead
of following the default route out), and a FORWARD rule drops whatever pods send to any other
interface. The CNI bridge plugin finds the bridge already there and adds the pods' veths to it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from fraud_k8sapi.components import SERVICE_CIDR

BRIDGE = "fraudk8s0"
POD_SUBNET = "10.244.0.0/24"
NODE_IP = "10.244.0.1"
DNS_IP = "10.96.0.10"
ISOLATION_CHAIN = "FRAUD-K8S-ISOLATE"
NETWORK_NAME = "fraud-k8s"


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed system tools, arguments from this package
        list(argv), capture_output=True, text=True, check=check
    )


def bridge_exists() -> bool:
    return Path(f"/sys/class/net/{BRIDGE}").exists()


def up() -> None:
    """The bridge with the node's address, the Service route and the isolation rule."""
    if not bridge_exists():
        run("ip", "link", "add", BRIDGE, "type", "bridge")
    run("ip", "addr", "replace", f"{NODE_IP}/{POD_SUBNET.split('/')[1]}", "dev", BRIDGE)
    run("ip", "link", "set", BRIDGE, "up")
    run("ip", "route", "replace", SERVICE_CIDR, "dev", BRIDGE, "src", NODE_IP)
    if run("iptables", "-w", "-n", "-L", ISOLATION_CHAIN, check=False).returncode:
        run("iptables", "-w", "-N", ISOLATION_CHAIN)
        run("iptables", "-w", "-A", ISOLATION_CHAIN, "-i", BRIDGE, "!", "-o", BRIDGE, "-j", "DROP")
    jump = ("FORWARD", "-j", ISOLATION_CHAIN)
    if run("iptables", "-w", "-C", *jump, check=False).returncode:
        run("iptables", "-w", "-I", *jump)


def down() -> None:
    """Remove what ``up`` made (the route goes with the bridge); idempotent."""
    jump = ("FORWARD", "-j", ISOLATION_CHAIN)
    while run("iptables", "-w", "-D", *jump, check=False).returncode == 0:
        pass
    run("iptables", "-w", "-F", ISOLATION_CHAIN, check=False)
    run("iptables", "-w", "-X", ISOLATION_CHAIN, check=False)
    if bridge_exists():
        run("ip", "link", "del", BRIDGE)


def conflist(ipam_dir: Path) -> dict[str, Any]:
    """The CNI configuration containerd hands every pod sandbox: a veth on the bridge, an
    address from the node's subnet (no masquerade: pods never talk past the machine), and
    hostPort mappings."""
    return {
        "cniVersion": "1.0.0",
        "name": NETWORK_NAME,
        "plugins": [
            {
                "type": "bridge",
                "bridge": BRIDGE,
                "isGateway": True,
                "ipMasq": False,
                # A pod reaching itself through its own Service comes back over its own port.
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": POD_SUBNET, "gateway": NODE_IP}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(ipam_dir),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


def write_conflist(folder: Path, ipam_dir: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"10-{NETWORK_NAME}.conflist"
    path.write_text(json.dumps(conflist(ipam_dir), indent=2))
    return path
