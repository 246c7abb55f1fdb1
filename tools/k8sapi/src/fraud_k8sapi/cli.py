"""``fraud-k8sapi``: build the pinned binaries, or start/stop a control plane in the background.

fraud-k8sapi build [--node]  build Kubernetes, etcd and kwok into the cache (--node: kubelet,
                             kube-proxy and CoreDNS too)
fraud-k8sapi up [--dir D]    start it in the background (D: .devstack); kubeconfig in
                             D/kubeconfig, KUBECONFIG=... in D/env
fraud-k8sapi down [--dir D]  stop what `up` started
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from fraud_k8sapi import build, upstream
from fraud_k8sapi.cluster import Cluster, server_version, stop_recorded
from fraud_k8sapi.versions import COREDNS, ETCD, KUBERNETES, KUBERNETES_NODE, KWOK

SUBDIR = "k8s-api"


def _env_lines(env_file: Path) -> list[str]:
    if not env_file.exists():
        return []
    lines = env_file.read_text().splitlines()
    return [line for line in lines if not line.startswith("KUBECONFIG=")]


def _write_env(env_file: Path, kubeconfig: Path | None) -> None:
    lines = _env_lines(env_file)
    if kubeconfig is not None:
        lines.append(f"KUBECONFIG={kubeconfig}")
    if lines:
        env_file.write_text("\n".join(lines) + "\n")
    else:
        env_file.unlink(missing_ok=True)


def up(root: Path) -> int:
    folder = root / SUBDIR
    if stop_recorded(folder):
        print("stopped the previous control plane")
    shutil.rmtree(folder, ignore_errors=True)  # fresh certificates and etcd data each time
    started = time.monotonic()
    cluster = Cluster(folder, detached=True).start()
    try:
        upstream.apply_crds(cluster.client())
    except BaseException:
        cluster.stop()
        raise
    kubeconfig = root / "kubeconfig"
    shutil.copyfile(cluster.kubeconfig, kubeconfig)
    kubeconfig.chmod(0o600)
    _write_env(root / "env", kubeconfig.resolve())
    version = server_version(cluster.client())
    elapsed = time.monotonic() - started
    print(f"Kubernetes {version} (as the API server reports it) ready in {elapsed:.0f} s")
    names = [node["metadata"]["name"] for node in cluster.client().items("nodes")]
    print(f"API server {cluster.server}; kwok nodes: {', '.join(names)}")
    print(f"kubeconfig: {kubeconfig} (export KUBECONFIG={kubeconfig.resolve()}); logs in {folder}")
    return 0


def down(root: Path) -> int:
    folder = root / SUBDIR
    for name in stop_recorded(folder):
        print(f"stopped {name}")
    shutil.rmtree(folder, ignore_errors=True)
    (root / "kubeconfig").unlink(missing_ok=True)
    _write_env(root / "env", None)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fraud-k8sapi", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the pinned binaries into the cache")
    build_cmd.add_argument("--node", action="store_true", help="kubelet, kube-proxy, CoreDNS too")
    for name in ("up", "down"):
        command = commands.add_parser(name)
        command.add_argument("--dir", type=Path, default=Path(".devstack"))
    args = parser.parse_args(argv)
    if args.command == "build":
        node = (KUBERNETES_NODE, COREDNS) if args.node else ()
        for bundle in (KUBERNETES, ETCD, KWOK, *node):
            print(f"{bundle.name} {bundle.version}: {build.ensure(bundle)}")
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    return up(args.dir) if args.command == "up" else down(args.dir)


if __name__ == "__main__":
    sys.exit(main())
