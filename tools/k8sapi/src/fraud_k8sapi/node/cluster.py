"""A single-node cluster that runs real pods: the control plane of ``fraud_k8sapi.cluster`` on
the node's bridge address, plus containerd, the kubelet, kube-proxy and CoreDNS.

``NodeCluster(folder).start()`` takes the machine-wide node lock (kube-proxy's iptables chains
have fixed names, so one node per machine), clears whatever an interrupted run left in the
same folder, and starts everything in order, recording how long each step took. ``stop()``
lets the kubelet stop every pod (so the CNI plugin removes its veths and the runtime unmounts
what it mounted), stops the processes, removes whatever is still left on the host (see
``host``), puts back the kernel settings the kubelet changed, and records what it found left
afterwards in ``teardown`` (empty lists when the host is as it was).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import yaml

from fraud_devstack.processes import free_port, spawn, stop
from fraud_k8sapi import build
from fraud_k8sapi.cluster import Cluster, wait_for
from fraud_k8sapi.kubectl import Client
from fraud_k8sapi.node import agents, dns, host, images, network
from fraud_k8sapi.node.containerd import Ctr, Layout, config
from fraud_k8sapi.node.containerd import argv as containerd_argv
from fraud_k8sapi.versions import KUBERNETES_NODE

LOCK = Path("/run/lock/fraud-k8s-node.lock")
TUNABLES = "kernel-tunables.json"


class NodeBusyError(RuntimeError):
    pass


class NodeCluster:
    def __init__(self, folder: Path, *, log: Callable[[str], None] = print) -> None:
        self.folder = folder.resolve()
        self.log = log
        self.control = Cluster(
            self.folder / "control-plane", address=network.NODE_IP, fake_nodes=False, log=log
        )
        self.layout = Layout(self.folder / "runtime")
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.timings: dict[str, float] = {}
        self.teardown: dict[str, list[str]] = {}
        self._lock: IO[str] | None = None

    def client(self) -> Client:
        return self.control.client()

    def ctr(self) -> Ctr:
        return Ctr(self.layout)

    @property
    def images(self) -> set[str]:
        return self.ctr().images()

    # --- start --------------------------------------------------------------------------------
    def start(self) -> NodeCluster:
        self._take_lock()
        try:
            if clean(self.folder, self.log)["mounts"]:
                raise RuntimeError(f"mounts left under {self.folder}: make k8s-e2e-clean")
            # An earlier run's etcd would bring back its release and the kubelet its pods.
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir(parents=True, exist_ok=True)
            self.folder.chmod(0o700)
            with self._step("binaries"):
                build.ensure(KUBERNETES_NODE, self.log)
                pause, coredns = images.pause_image(), images.coredns_image()
            (self.folder / TUNABLES).write_text(json.dumps(host.kernel_tunables()))
            with self._step("network"):
                network.up()
            with self._step("control plane"):
                self.control.start()
            with self._step("containerd"):
                self._start_containerd(pause)
                self.ctr().import_from_podman(pause, pause)
                self.ctr().import_from_podman(coredns, coredns)
            with self._step("kubelet and kube-proxy, node Ready"):
                self._start_agents()
            with self._step("CoreDNS Ready"):
                self.client().apply(dns.manifests(coredns))
                self.client().kubectl(
                    "rollout", "status", "deployment", dns.NAME, "-n", dns.NAMESPACE,
                    "--timeout=180s", timeout=200,
                )  # fmt: skip
        except BaseException:
            self.stop()
            raise
        return self

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        began = time.monotonic()
        yield
        self.timings[name] = round(time.monotonic() - began, 1)
        self.log(f"node: {name} in {self.timings[name]} s")

    def _take_lock(self) -> None:
        self._lock = take_lock()

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        process = spawn(argv, self.folder / f"{name}.log", detached=False)
        self.processes.append((name, process))
        return process

    def _start_containerd(self, sandbox_image: str) -> None:
        self.layout.folder.mkdir(parents=True, exist_ok=True)
        network.write_conflist(self.layout.cni_conf_dir, self.layout.ipam_dir)
        self.layout.config.write_text(config(self.layout, sandbox_image))
        process = self._spawn("containerd", containerd_argv(self.layout))
        self._wait("containerd", process, self._runtime_answers, 60)

    def _runtime_answers(self) -> bool:
        try:
            self.ctr().run("version")
        except RuntimeError:
            return False
        return True

    def _start_agents(self) -> None:
        control = self.control
        assert control.authority is not None
        node_user = f"system:node:{agents.NODE_NAME}"
        files = agents.KubeletFiles(
            folder=self.folder,
            ca=control.authority.cert,
            kubeconfig=control.identity("kubelet", node_user, ("system:nodes",)),
            serving=control.authority.issue(
                "kubelet-serving", common=node_user, hosts=(network.NODE_IP, agents.NODE_NAME),
                server=True, client=False,
            ),
            runtime_socket=self.layout.socket,
        )  # fmt: skip
        files.resolv_conf.write_text("# no upstream resolver: names stay inside the cluster\n")
        healthz = free_port()
        config_data = agents.kubelet_config(files, port=free_port(), healthz_port=healthz)
        files.config.write_text(yaml.safe_dump(config_data))
        kubelet = KUBERNETES_NODE.path("kubelet")
        self._spawn("kubelet", agents.kubelet_argv(kubelet, files))
        proxy_config = self.folder / "kube-proxy.yaml"
        proxy_kubeconfig = control.identity("kube-proxy", "system:kube-proxy")
        proxy_data = agents.proxy_config(proxy_kubeconfig, free_port(), free_port())
        proxy_config.write_text(yaml.safe_dump(proxy_data))
        proxy = KUBERNETES_NODE.path("kube-proxy")
        self._spawn("kube-proxy", agents.proxy_argv(proxy, proxy_config))
        client = self.client()
        wait_for(lambda: bool(client.items("nodes")), 120, "the kubelet's node registered")
        client.kubectl(
            "wait", "--for=condition=Ready", f"node/{agents.NODE_NAME}", "--timeout=180s",
            timeout=200,
        )  # fmt: skip

    def _wait(
        self, name: str, process: subprocess.Popen[bytes], check: Callable[[], bool], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} did not start; its log:\n{tail}")
            time.sleep(0.2)

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.folder / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # --- stop ---------------------------------------------------------------------------------
    def stop(self) -> dict[str, list[str]]:
        if self._lock is None:  # never started: whatever is on the host belongs to another node
            return {}
        began = time.monotonic()
        try:
            self._stop_pods()
        finally:
            for _name, process in reversed(self.processes):
                stop(process, timeout_s=20)
            self.processes.clear()
            self.control.stop()
            self.teardown = clean(self.folder, self.log)
            self.timings["teardown"] = round(time.monotonic() - began, 1)
            if self._lock is not None:
                self._lock.close()
                self._lock = None
        return self.teardown

    def _stop_pods(self) -> None:
        """Let the kubelet stop every pod: no controller makes new ones meanwhile."""
        names = dict(self.control.processes)
        if "kube-apiserver" not in names or not any(n == "kubelet" for n, _ in self.processes):
            return
        for name in ("kube-controller-manager", "kube-scheduler"):
            if name in names:
                stop(names[name], timeout_s=10)
        with suppress(Exception):
            self.client().kubectl(
                "delete", "pods", "--all", "--all-namespaces", "--grace-period=10",
                "--timeout=90s", timeout=120,
            )  # fmt: skip
        with suppress(Exception):
            wait_for(lambda: not self.ctr().run("tasks", "list", "--quiet").split(), 60, "tasks")


def take_lock() -> IO[str]:
    """The machine-wide node lock (held until the returned file is closed)."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    handle = LOCK.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise NodeBusyError(f"another node runs on this machine (it holds {LOCK})") from None
    return handle


def clean(folder: Path, log: Callable[[str], None] = print) -> dict[str, list[str]]:
    """Remove every trace of a node that ran in ``folder``; what is still left afterwards.
    Only while holding the node lock: the bridge and the chains are the running node's."""
    folder = folder.resolve()
    before = host.leftovers(folder)
    if not before.empty():
        host.kill_processes(folder)
        host.unmount_all(folder)
        host.remove_chains()
        network.down()
        host.remove_links()
        host.remove_cgroups()
    network.down()
    host.remove_runtime_dirs()
    tunables = folder / TUNABLES
    if tunables.exists():
        host.restore_kernel_tunables(json.loads(tunables.read_text()))
        tunables.unlink()
    after = host.leftovers(folder).as_dict()
    if any(after.values()):
        log(f"node: left on the host after teardown: {json.dumps(after)}")
    return after
