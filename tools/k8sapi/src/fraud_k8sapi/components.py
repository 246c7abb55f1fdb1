"""The command lines of the control plane's processes, with the flags a real cluster uses.

The flags follow what kubeadm (and so kind) sets where it matters for what the charts meet:
RBAC and Node authorization, NodeRestriction and the default admission plugins (Pod Security
among them), `--allow-privileged=true` so that Pod Security admission, not the old
privileged-container switch, is what refuses a privileged pod, service account tokens signed
by the cluster's own key, and controllers acting under their own service accounts.
Everything listens on loopback only; etcd and the API server speak TLS with client certificates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fraud_k8sapi.pki import Pair

LOOPBACK = "127.0.0.1"
SERVICE_CIDR = "10.96.0.0/16"
KUBERNETES_SERVICE_IP = "10.96.0.1"
POD_CIDR = "10.244.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"
API_HOSTS = (
    "127.0.0.1", "localhost", KUBERNETES_SERVICE_IP, "kubernetes", "kubernetes.default",
    "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
)  # fmt: skip


@dataclass(frozen=True)
class Ports:
    etcd: int
    etcd_peer: int
    api: int


@dataclass(frozen=True)
class Files:
    """Everything the processes read, all inside the cluster's own folder."""

    root: Path
    ca: Path
    etcd_server: Pair
    etcd_client: Pair
    api_server: Pair
    service_account: Pair  # cert = public key, key = private key
    kubelet_client: Pair | None = None  # the API server's identity towards real kubelets

    def kubeconfig(self, who: str) -> Path:
        return self.root / f"{who}.kubeconfig"


def etcd(binary: Path, files: Files, ports: Ports) -> list[str]:
    client_url = f"https://127.0.0.1:{ports.etcd}"
    peer_url = f"http://127.0.0.1:{ports.etcd_peer}"
    return [
        str(binary),
        "--name=fraud-k8sapi",
        f"--data-dir={files.root / 'etcd'}",
        f"--listen-client-urls={client_url}",
        f"--advertise-client-urls={client_url}",
        f"--listen-peer-urls={peer_url}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--initial-cluster=fraud-k8sapi={peer_url}",
        f"--cert-file={files.etcd_server.cert}",
        f"--key-file={files.etcd_server.key}",
        f"--trusted-ca-file={files.ca}",
        "--client-cert-auth=true",
        # A throwaway cluster on a shared machine: no fsync, a small backend.
        "--unsafe-no-fsync=true",
        "--quota-backend-bytes=1073741824",
        "--log-level=warn",
    ]


def api_server(binary: Path, files: Files, ports: Ports, address: str = LOOPBACK) -> list[str]:
    return [
        str(binary),
        f"--bind-address={address}",
        f"--advertise-address={address}",
        f"--secure-port={ports.api}",
        f"--etcd-servers=https://127.0.0.1:{ports.etcd}",
        f"--etcd-cafile={files.ca}",
        f"--etcd-certfile={files.etcd_client.cert}",
        f"--etcd-keyfile={files.etcd_client.key}",
        f"--tls-cert-file={files.api_server.cert}",
        f"--tls-private-key-file={files.api_server.key}",
        f"--client-ca-file={files.ca}",
        f"--cert-dir={files.root / 'apiserver-certs'}",
        f"--service-account-issuer={ISSUER}",
        f"--service-account-key-file={files.service_account.cert}",
        f"--service-account-signing-key-file={files.service_account.key}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        "--allow-privileged=true",
        *_towards_pods(files, address),
        "--profiling=false",
        "--v=1",
    ]


def _towards_pods(files: Files, address: str) -> list[str]:
    """On loopback no pod can reach the API server, so the `kubernetes` Service gets no
    endpoints (they may not point at loopback); with a real node, pods reach it at ``address``
    and the API server reaches the kubelet with its own client certificate, checking the
    kubelet's serving certificate against the cluster's authority."""
    if files.kubelet_client is None or address == LOOPBACK:
        return ["--endpoint-reconciler-type=none"]
    return [
        f"--kubelet-client-certificate={files.kubelet_client.cert}",
        f"--kubelet-client-key={files.kubelet_client.key}",
        f"--kubelet-certificate-authority={files.ca}",
        "--kubelet-preferred-address-types=InternalIP",
    ]


def _client_flags(kubeconfig: Path) -> list[str]:
    """A control plane client: its identity, no serving port of its own, the only instance."""
    return [
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--leader-elect=false",
        "--v=1",
    ]


def controller_manager(binary: Path, files: Files) -> list[str]:
    return [
        str(binary),
        *_client_flags(files.kubeconfig("controller-manager")),
        "--use-service-account-credentials=true",
        f"--service-account-private-key-file={files.service_account.key}",
        f"--root-ca-file={files.ca}",
        f"--cluster-signing-cert-file={files.ca}",
        f"--cluster-signing-key-file={files.root / 'pki' / 'ca.key'}",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--controllers=*",
    ]


def scheduler(binary: Path, files: Files) -> list[str]:
    return [str(binary), *_client_flags(files.kubeconfig("scheduler"))]


def kwok(binary: Path, files: Files) -> list[str]:
    """Fake kubelets for the nodes annotated kwok.x-k8s.io/node=fake: pods on them are
    Running and Ready once scheduled (kwok's default stages), without containers."""
    return [
        str(binary),
        f"--kubeconfig={files.kubeconfig('kwok')}",
        f"--config={files.root / 'kwok.yaml'}",
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        f"--cidr={POD_CIDR}",
        "--node-ip=127.0.0.1",
        "--node-lease-duration-seconds=40",
    ]
