"""Build the pinned Kubernetes, etcd and kwok binaries from the Go module proxy, once.

Kubernetes and etcd are built through the small wrapper modules in tools/k8sapi/go (their
go.sum pins every module's checksum); kwok with `go install`. Each bundle is built into a
temporary folder beside its final place and renamed into it, so a second build running at
the same time (another checkout sharing the cache) never sees half a bundle.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fraud_k8sapi.versions import COREDNS, ETCD, KUBERNETES, KUBERNETES_NODE, KWOK, Bundle

GO_MODULES = Path(__file__).resolve().parents[2] / "go"
KUBERNETES_MODULE = GO_MODULES / "kubernetes"
ETCD_MODULE = GO_MODULES / "etcd"
# Where kubectl, the API server and helm's kubeVersion checks read the release from.
VERSION_PACKAGES = ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")


def go_binary() -> str:
    found = os.environ.get("GO") or shutil.which("go") or "/usr/local/go/bin/go"
    if not Path(found).is_file():
        raise FileNotFoundError("Go (>= 1.24) is needed to build Kubernetes: /usr/local/go/bin/go")
    return found


def _go_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-mod=readonly -buildvcs=false",
        "CGO_ENABLED": "0",
        **extra,
    }


def run_go(args: list[str], cwd: Path | None = None, **env: str) -> str:
    done = subprocess.run(  # noqa: S603 - the Go toolchain with arguments from this module
        [go_binary(), *args],
        cwd=cwd,
        env=_go_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"go {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def version_ldflags(version: str, released: str) -> str:
    """-X flags that make every binary report the release (kubectl version, /version)."""
    major, minor = version.removeprefix("v").split(".")[:2]
    values = {
        "gitVersion": version,
        "gitMajor": major,
        "gitMinor": minor,
        "gitTreeState": "clean",
        "buildDate": released,
    }
    flags = ["-s", "-w"]
    for package in VERSION_PACKAGES:
        flags += [f"-X {package}.{name}={value}" for name, value in values.items()]
    return " ".join(flags)


def _release_time() -> str:
    """The publication time of k8s.io/kubernetes at the pinned version, as the build date."""
    info = json.loads(run_go(["list", "-m", "-json", "k8s.io/kubernetes"], cwd=KUBERNETES_MODULE))
    return str(info["Time"]).replace(".000", "")


def _build_kubernetes(bundle: Bundle, into: Path) -> None:
    packages = [f"k8s.io/kubernetes/cmd/{binary}" for binary in bundle.binaries]
    ldflags = version_ldflags(bundle.version, _release_time())
    args = ["build", "-trimpath", "-ldflags", ldflags, "-o", f"{into}/", *packages]
    run_go(args, cwd=KUBERNETES_MODULE)


def _build_etcd(_bundle: Bundle, into: Path) -> None:
    args = ["build", "-trimpath", "-ldflags", "-s -w", "-o", str(into / "etcd")]
    run_go([*args, "go.etcd.io/etcd/server/v3"], cwd=ETCD_MODULE)


def _build_kwok(bundle: Bundle, into: Path) -> None:
    # kwok's own go.mod pins its dependencies; `go install pkg@version` uses exactly those.
    run_go(["install", "-trimpath", f"sigs.k8s.io/kwok/cmd/kwok@{bundle.version}"], GOBIN=str(into))


def _build_coredns(bundle: Bundle, into: Path) -> None:
    # Static (CGO off) so that it runs in an image holding nothing else.
    package = f"github.com/coredns/coredns@{bundle.version}"
    run_go(["install", "-trimpath", "-ldflags", "-s -w", package], GOBIN=str(into))


BUILDERS: dict[str, Callable[[Bundle, Path], None]] = {
    KUBERNETES.name: _build_kubernetes,
    KUBERNETES_NODE.name: _build_kubernetes,
    ETCD.name: _build_etcd,
    KWOK.name: _build_kwok,
    COREDNS.name: _build_coredns,
}


def ensure(bundle: Bundle, log: Callable[[str], None] = print) -> Path:
    """The bundle's folder, built first if it is not in the cache yet."""
    if bundle.built():
        return bundle.folder
    bundle.folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{bundle.folder.name}-", dir=bundle.folder.parent))
    log(f"building {bundle.name} {bundle.version} ({', '.join(bundle.binaries)}) ...")
    started = time.monotonic()
    try:
        BUILDERS[bundle.name](bundle, temporary)
        missing = [b for b in bundle.binaries if not (temporary / b).is_file()]
        if missing:
            raise RuntimeError(f"{bundle.name}: the build made no {', '.join(missing)}")
        temporary.chmod(0o755)
        try:
            temporary.rename(bundle.folder)
        except OSError:
            if not bundle.built():  # not another build finishing first: a real failure
                raise
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    log(f"built {bundle.name} {bundle.version} in {time.monotonic() - started:.0f} s")
    return bundle.folder
