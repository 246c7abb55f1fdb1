"""What a node leaves on the host, found and removed: processes, mounts, network namespaces,
iptables chains, network interfaces, cgroups and the kernel settings the kubelet changes.

Other engines on the same machine (podman, other helpers' containers) own things of the same
kinds, so "ours" is narrow: a process whose command line names the node's folder or that lives
in the kubelet's cgroups, a mount under the node's folder or a CNI network namespace, an
iptables chain named KUBE-*, CNI-* or FRAUD-K8S-*, a link on our bridge. ``leftovers`` lists
those still there; ``remove`` clears them, and both work from /proc and the tools alone, so an
interrupted run's debris is found by the next one.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from fraud_k8sapi.node.network import BRIDGE, run

NETNS_DIR = Path("/run/netns")
CGROUPS = Path("/sys/fs/cgroup")
KUBEPODS = "kubepods"
CHAIN_PREFIXES = ("KUBE-", "CNI-", "FRAUD-K8S-")
SERVERS = {
    "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet",
    "kube-proxy", "containerd", "containerd-shim-runc-v2",
}  # fmt: skip
SAVERS = tuple(
    f"{family}-{backend}-save"
    for backend in ("nft", "legacy")
    for family in ("iptables", "ip6tables")
)
# What the kubelet sets on start (container_manager_linux.go), restored when the node stops.
KERNEL_TUNABLES = (
    "vm/overcommit_memory",
    "vm/panic_on_oom",
    "kernel/panic",
    "kernel/panic_on_oops",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
)


@dataclass(frozen=True)
class Leftovers:
    processes: list[str]
    mounts: list[str]
    chains: list[str]
    links: list[str]
    cgroups: list[str]

    def empty(self) -> bool:
        return not (self.processes or self.mounts or self.chains or self.links or self.cgroups)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "processes": self.processes,
            "mounts": self.mounts,
            "iptables_chains": self.chains,
            "network_interfaces": self.links,
            "cgroups": self.cgroups,
        }


def kernel_tunables() -> dict[str, str]:
    return {name: Path("/proc/sys", name).read_text().strip() for name in KERNEL_TUNABLES}


def restore_kernel_tunables(saved: dict[str, str]) -> None:
    for name, value in saved.items():
        path = Path("/proc/sys", name)
        if path.read_text().strip() != value:
            path.write_text(value)


def _kubepods_cgroups() -> list[Path]:
    """Every cgroup the kubelet made, in every v1 hierarchy, deepest first."""
    found: list[Path] = []
    for hierarchy in CGROUPS.iterdir() if CGROUPS.is_dir() else []:
        top = hierarchy / KUBEPODS
        if top.is_dir():
            found += [Path(path) for path, _dirs, _files in os.walk(top)]
    return sorted(found, key=lambda path: len(path.parts), reverse=True)


def _pids_in(cgroups: list[Path]) -> set[int]:
    pids: set[int] = set()
    for cgroup in cgroups:
        with contextlib.suppress(OSError):
            pids |= {int(pid) for pid in (cgroup / "cgroup.procs").read_text().split()}
    return pids


def processes(folder: Path) -> dict[int, str]:
    """The node's servers (a binary of SERVERS whose command line names ``folder``) and
    everything inside the pods' cgroups."""
    owned = _pids_in(_kubepods_cgroups())
    found = {}
    marker = str(folder).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        server = Path(command.split(b"\0")[0].decode(errors="replace")).name in SERVERS
        if int(entry.name) in owned or (server and marker in command):
            found[int(entry.name)] = command.replace(b"\0", b" ").decode(errors="replace")[:200]
    return found


def mounts(folder: Path) -> list[str]:
    """Mount points under ``folder`` or of CNI network namespaces, deepest first."""
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].encode().decode("unicode_escape")
        under = point.startswith(f"{folder}/") or point == str(folder)
        if under or point.startswith(f"{NETNS_DIR}/cni-"):
            points.append(point)
    return sorted(set(points), key=lambda point: point.count("/"), reverse=True)


def chains() -> dict[tuple[str, str], list[str]]:
    """Our chains per (save tool, table), from every iptables backend present."""
    found: dict[tuple[str, str], list[str]] = {}
    for saver in SAVERS:
        done = run(saver, check=False) if _has(saver) else None
        table = ""
        for line in done.stdout.splitlines() if done and done.returncode == 0 else []:
            if line.startswith("*"):
                table = line[1:]
            elif line.startswith(":") and line[1:].startswith(CHAIN_PREFIXES):
                found.setdefault((saver, table), []).append(line[1:].split()[0])
    return found


def _has(tool: str) -> bool:
    return any(Path(folder, tool).exists() for folder in ("/usr/sbin", "/sbin", "/usr/bin"))


def links() -> list[str]:
    """Our bridge and whatever still hangs on it."""
    found = [BRIDGE] if Path(f"/sys/class/net/{BRIDGE}").exists() else []
    for link in Path("/sys/class/net").iterdir():
        master = link / "master"
        if master.exists() and master.resolve().name == BRIDGE:
            found.append(link.name)
    return found


def leftovers(folder: Path) -> Leftovers:
    return Leftovers(
        processes=[f"{pid} {command}" for pid, command in sorted(processes(folder).items())],
        mounts=mounts(folder),
        chains=[
            f"{saver}/{table}/{chain}"
            for (saver, table), names in chains().items()
            for chain in names
        ],
        links=links(),
        cgroups=[str(path) for path in _kubepods_cgroups()],
    )


def kill_processes(folder: Path, timeout_s: float = 10) -> None:
    """SIGTERM, then SIGKILL, to every process of ``folder`` still running."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in processes(folder):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + timeout_s
        while processes(folder) and time.monotonic() < deadline:
            time.sleep(0.2)


def unmount_all(folder: Path) -> None:
    for point in mounts(folder):
        if run("umount", point, check=False).returncode:
            run("umount", "--lazy", point, check=False)
    for netns in NETNS_DIR.glob("cni-*") if NETNS_DIR.is_dir() else []:
        with contextlib.suppress(OSError):
            netns.unlink()


def remove_chains() -> None:
    """Drop every jump into our chains from other chains, then flush and delete ours."""
    for (saver, table), ours in chains().items():
        tool = saver.removesuffix("-save")
        listing = run(saver, "-t", table).stdout.splitlines()
        for line in listing:
            parts = shlex.split(line)
            if len(parts) > 3 and parts[0] == "-A" and "-j" in parts:
                target = parts[parts.index("-j") + 1]
                if target in ours and not parts[1].startswith(CHAIN_PREFIXES):
                    run(tool, "-w", "-t", table, "-D", *parts[1:], check=False)
        for chain in ours:
            run(tool, "-w", "-t", table, "-F", chain, check=False)
        for chain in ours:
            run(tool, "-w", "-t", table, "-X", chain, check=False)


def remove_links() -> None:
    for link in reversed(links()):
        run("ip", "link", "del", link, check=False)


def remove_runtime_dirs() -> None:
    """The shims' socket folder containerd makes at a fixed place, once empty."""
    for folder in (Path("/run/containerd/s"), Path("/run/containerd")):
        with contextlib.suppress(OSError):
            folder.rmdir()


def remove_cgroups() -> None:
    for cgroup in _kubepods_cgroups():
        with contextlib.suppress(OSError):
            cgroup.rmdir()
