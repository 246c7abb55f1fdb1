"""Start and stop the control plane: etcd, the API server, controller-manager, scheduler, kwok.

``Cluster(folder).start()`` builds what is missing, makes fresh certificates, starts every
process on free loopback ports, registers the kwok nodes and the storage, and waits until the
nodes are Ready. ``stop()`` ends the processes it started (by their ids, newest first) and
removes nothing else; a failed start stops whatever had already started. Attached clusters
(tests) die with their parent; detached ones (`make k8s-api-up`) record their process ids
in the folder's state.json, from which ``stop_recorded`` ends them.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from fraud_devstack.processes import free_port, spawn, stop, wait_until
from fraud_k8sapi import build, components, kubeconfig, nodes, pki
from fraud_k8sapi.components import Files, Ports
from fraud_k8sapi.kubectl import Client
from fraud_k8sapi.versions import ETCD, KUBERNETES, KWOK
from fraud_k8scheck import tools

STATE = "state.json"
# Component identities: (kubeconfig name, certificate CN, groups), as kubeadm names them.
IDENTITIES = (
    ("admin", "fraud-admin", ("system:masters",)),
    ("controller-manager", "system:kube-controller-manager", ()),
    ("scheduler", "system:kube-scheduler", ()),
    # kwok stands in for every kubelet, so it acts for all nodes at once.
    ("kwok", "kwok", ("system:masters",)),
)


class Cluster:
    def __init__(
        self,
        folder: Path,
        *,
        shape: nodes.NodeShape = nodes.NodeShape(),  # noqa: B008 - frozen dataclass
        detached: bool = False,
        log: Callable[[str], None] = print,
        address: str = components.LOOPBACK,
        fake_nodes: bool = True,
    ) -> None:
        """``address``: where the API server listens and what it advertises (loopback, or
        an address pods reach when a real node runs them); ``fake_nodes``: kwok nodes, or
        none (a real kubelet registers its own node)."""
        self.folder = folder
        self.shape = shape
        self.detached = detached
        self.log = log
        self.address = address
        self.fake_nodes = fake_nodes
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.ports = Ports(etcd=free_port(), etcd_peer=free_port(), api=free_port())
        self.server = f"https://{address}:{self.ports.api}"
        self.authority: pki.Authority | None = None

    @property
    def kubeconfig(self) -> Path:
        return self.folder / "admin.kubeconfig"

    def client(self) -> Client:
        return Client(KUBERNETES.path("kubectl"), self.kubeconfig, tools.helm())

    # --- start --------------------------------------------------------------------------------
    def start(self) -> Cluster:
        for bundle in (KUBERNETES, ETCD, *((KWOK,) if self.fake_nodes else ())):
            build.ensure(bundle, self.log)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        try:
            files = self._pki()
            self._spawn("etcd", components.etcd(ETCD.path("etcd"), files, self.ports))
            self._wait_https("etcd", self.ports.etcd, "/health", files, timeout_s=60)
            apiserver = components.api_server(
                KUBERNETES.path("kube-apiserver"), files, self.ports, self.address
            )
            self._spawn("kube-apiserver", apiserver)
            self._wait_https("kube-apiserver", self.ports.api, "/readyz", files, timeout_s=180)
            self._spawn(
                "kube-controller-manager",
                components.controller_manager(KUBERNETES.path("kube-controller-manager"), files),
            )
            self._spawn(
                "kube-scheduler", components.scheduler(KUBERNETES.path("kube-scheduler"), files)
            )
            if self.fake_nodes:
                (self.folder / "kwok.yaml").write_text("")
                kwok = components.kwok(KWOK.path("kwok"), files)
                self._spawn("kwok", kwok, HOME=str(self.folder))
            self._record()
            self._wait_seeded()
            if self.fake_nodes:
                self._register_nodes()
        except BaseException:
            self.stop()
            raise
        return self

    def _pki(self) -> Files:
        authority = self.authority = pki.Authority(self.folder / "pki")
        hosts = tuple(dict.fromkeys((self.address, *components.API_HOSTS)))
        files = Files(
            root=self.folder,
            ca=authority.cert,
            etcd_server=authority.issue(
                "etcd-server", common="etcd", hosts=("127.0.0.1",), server=True, client=False
            ),
            etcd_client=authority.issue("etcd-client", common="kube-apiserver-etcd-client"),
            api_server=authority.issue(
                "apiserver",
                common="kube-apiserver",
                hosts=hosts,
                server=True,
                client=False,
            ),
            service_account=pki.service_account_keys(authority.folder),
            # How the API server proves itself to kubelets (logs, exec, port-forward).
            kubelet_client=None
            if self.fake_nodes
            else authority.issue(
                "apiserver-kubelet-client",
                common="kube-apiserver-kubelet-client",
                groups=("system:masters",),
            ),
        )
        for who, common, groups in IDENTITIES:
            if who != "kwok" or self.fake_nodes:
                self.identity(who, common, groups)
        return files

    def identity(self, who: str, common: str, groups: tuple[str, ...] = ()) -> Path:
        """A client certificate for ``common`` (in ``groups``) and its kubeconfig file."""
        if self.authority is None:
            raise RuntimeError("the cluster's certificate authority is made by start()")
        pair = self.authority.issue(who, common=common, groups=groups)
        path = self.folder / f"{who}.kubeconfig"
        return kubeconfig.write(path, self.server, self.authority.cert, pair)

    def _spawn(self, name: str, argv: list[str], **env: str) -> None:
        log_file = self.folder / f"{name}.log"
        process = spawn(argv, log_file, detached=self.detached, env=env or None)
        self.processes.append((name, process))

    def _wait_https(self, name: str, port: int, path: str, files: Files, timeout_s: float) -> None:
        context = ssl.create_default_context(cafile=str(files.ca))
        client = files.etcd_client if name == "etcd" else None
        if client is None:
            admin = self.folder / "pki" / "admin"
            context.load_cert_chain(f"{admin}.crt", f"{admin}.key")
        else:
            context.load_cert_chain(str(client.cert), str(client.key))

        def answers() -> bool:
            host = components.LOOPBACK if name == "etcd" else self.address
            connection = http.client.HTTPSConnection(host, port, context=context, timeout=2)
            try:
                connection.request("GET", path)
                return connection.getresponse().status == 200
            except OSError:
                return False
            finally:
                connection.close()

        process = dict(self.processes)[name]
        try:
            wait_until(answers, timeout_s=timeout_s, what=name, process=process)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}; its log:\n{self.log_tail(name)}") from error

    def _wait_seeded(self) -> None:
        # The API server seeds its default RBAC and priority classes right after /readyz.
        client = self.client()
        wait_for(lambda: _ok(client, "get", "clusterrole", "system:kube-scheduler"), 60, "RBAC")

    def _register_nodes(self) -> None:
        client = self.client()
        client.apply(nodes.nodes(self.shape) + nodes.storage())
        names = nodes.node_names(self.shape)
        ready = ("wait", "--for=condition=Ready", "--timeout=120s")
        client.kubectl(*ready, *(f"node/{name}" for name in names))
        wait_for(lambda: _ok(client, "get", "serviceaccount", "default"), 60, "default SA")

    def _record(self) -> None:
        state = {
            "server": self.server,
            "kubeconfig": str(self.kubeconfig),
            "processes": [
                {"name": name, "pid": process.pid, "binary": process.args[0]}  # type: ignore[index]
                for name, process in self.processes
            ],
        }
        (self.folder / STATE).write_text(json.dumps(state, indent=2))

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.folder / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # --- stop ---------------------------------------------------------------------------------
    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            stop(process, timeout_s=15)
        self.processes.clear()
        (self.folder / STATE).unlink(missing_ok=True)


def _ok(client: Client, *args: str) -> bool:
    return client.kubectl(*args, check=False).returncode == 0


def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not there after {timeout_s:.0f} s")
        time.sleep(0.2)


def stop_recorded(folder: Path) -> list[str]:
    """End the processes a detached start recorded; only those still running that binary."""
    state_file = folder / STATE
    if not state_file.exists():
        return []
    stopped = []
    for entry in reversed(json.loads(state_file.read_text())["processes"]):
        pid, binary = int(entry["pid"]), str(entry["binary"])
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            continue  # already gone
        if command != binary:
            continue  # the id now belongs to another process: not ours to end
        os.kill(pid, 15)
        _wait_gone(pid, 15.0)
        stopped.append(entry["name"])
    state_file.unlink()
    return stopped


def _gone(pid: int) -> bool:
    """Exited: no longer in /proc, or a zombie (reaped here when it is this process's child)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    if state != "Z":
        return False
    with contextlib.suppress(ChildProcessError):  # not our child: init reaps it
        os.waitpid(pid, 0)
    return True


def _wait_gone(pid: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not _gone(pid):
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            return
        time.sleep(0.1)


def server_version(client: Client) -> str:
    """The gitVersion the API server itself reports (GET /version)."""
    raw = client.kubectl("get", "--raw", "/version").stdout
    return str(yaml.safe_load(raw)["gitVersion"])
