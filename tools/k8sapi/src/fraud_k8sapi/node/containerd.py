"""The node's container runtime: Debian's containerd with runc and the CNI plugins.

One private containerd per node, everything it owns (content store, snapshots, runc state,
its socket) inside the node's folder, so it never meets a system containerd or podman. Two
settings this machine kind needs: the CNI plugins live in Debian's /usr/lib/cni, and
``restrict_oom_score_adj``, because processes here lack CAP_SYS_RESOURCE: runc could not
lower a container's oom_score_adj below its own, and every pod sandbox failed with "can't get
final child's PID from pipe: EOF" until containerd stopped asking it to.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

CNI_BIN_DIR = Path("/usr/lib/cni")
NAMESPACE = "k8s.io"  # where the CRI plugin keeps Kubernetes' images and containers


@dataclass(frozen=True)
class Layout:
    """Where one node's containerd keeps its state (all inside ``folder``)."""

    folder: Path

    @property
    def socket(self) -> Path:
        return self.folder / "containerd.sock"

    @property
    def config(self) -> Path:
        return self.folder / "containerd.toml"

    @property
    def cni_conf_dir(self) -> Path:
        return self.folder / "cni"

    @property
    def ipam_dir(self) -> Path:
        return self.folder / "cni-ipam"


def config(layout: Layout, sandbox_image: str) -> str:
    root = layout.folder
    cri = 'plugins."io.containerd.grpc.v1.cri"'
    return f"""\
version = 2
root = "{root}/containerd/root"
state = "{root}/containerd/state"

[grpc]
  address = "{layout.socket}"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{root}/containerd/opt"

[{cri}]
  sandbox_image = "{sandbox_image}"
  restrict_oom_score_adj = true
  # No AppArmor in this kernel; seccomp (RuntimeDefault) still applies.
  disable_apparmor = true
  # Pods may bind ports below 1024 without a capability (CoreDNS on 53 as a non-root user).
  enable_unprivileged_ports = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [{cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [{cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [{cri}.containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "{root}/runc"
  [{cri}.cni]
    bin_dir = "{CNI_BIN_DIR}"
    conf_dir = "{layout.cni_conf_dir}"
    max_conf_num = 1
"""


def argv(layout: Layout) -> list[str]:
    binary = shutil.which("containerd")
    if binary is None:
        raise FileNotFoundError("containerd is missing: apt-get install containerd (make setup)")
    return [binary, "--config", str(layout.config), "--log-level", "warn"]


@dataclass(frozen=True)
class Ctr:
    """containerd's own client against one node's socket, in Kubernetes' namespace."""

    layout: Layout

    def run(self, *args: str, stdin: int | None = None) -> str:
        ctr = shutil.which("ctr") or "ctr"
        done = subprocess.run(  # noqa: S603 - containerd's client, arguments from this package
            [ctr, "--address", str(self.layout.socket), "--namespace", NAMESPACE, *args],
            stdin=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"ctr {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def images(self) -> set[str]:
        return set(self.run("images", "list", "--quiet").split())

    def import_from_podman(self, source: str, *names: str) -> None:
        """Copy a podman image into the node's containerd under ``names``: podman saves one
        image per archive (ctr maps every tag of a multi-image archive to its first image)."""
        save = subprocess.Popen(  # noqa: S603 - podman with an image name from this package
            [shutil.which("podman") or "podman", "save", "--format", "docker-archive", source],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert save.stdout is not None
        try:
            imported = self.run("images", "import", "-", stdin=save.stdout.fileno())
        finally:
            _, errors = save.communicate()
        if save.returncode:
            raise RuntimeError(f"podman save {source} failed: {errors.decode().strip()}")
        saved_as = _imported_name(imported, source)
        for name in names:
            if name != saved_as:
                self.run("images", "tag", "--force", saved_as, name)


def _imported_name(output: str, source: str) -> str:
    """The reference ctr reports for the archive (podman names it as it knows it)."""
    for line in output.splitlines():
        if line.startswith("unpacking "):
            return line.split()[1]
    raise RuntimeError(f"ctr imported nothing from {source}: {output.strip()}")
