"""The pinned releases and where their binaries are cached.

Each binary is built once from the Go module proxy into a versioned folder of the project's
cache (FRAUD_CACHE_DIR), so a version bump builds afresh and two checkouts share one build.
The Makefile passes these same versions (a test checks they agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fraud_k8scheck.tools import cache_dir

KUBERNETES_VERSION = "v1.34.2"
ETCD_VERSION = "v3.6.6"
KWOK_VERSION = "v0.7.0"
# The CoreDNS release kubeadm installs with this Kubernetes release.
COREDNS_VERSION = "v1.12.1"

# What the API check runs on (the scheduler, the controllers and the API server itself).
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
# What a real node adds (the next step: pods on a real kubelet); built apart so the control
# plane never waits for it.
NODE = ("kubelet", "kube-proxy")


@dataclass(frozen=True)
class Bundle:
    """A set of binaries of one release built together into one cache folder."""

    name: str
    version: str
    binaries: tuple[str, ...]

    @property
    def folder(self) -> Path:
        return cache_dir() / f"{self.name}-{self.version}"

    def path(self, binary: str) -> Path:
        if binary not in self.binaries:
            raise KeyError(f"{binary} is not part of {self.name}")
        return self.folder / binary

    def built(self) -> bool:
        return all((self.folder / binary).is_file() for binary in self.binaries)


KUBERNETES = Bundle("kubernetes", KUBERNETES_VERSION, CONTROL_PLANE)
KUBERNETES_NODE = Bundle("kubernetes-node", KUBERNETES_VERSION, NODE)
ETCD = Bundle("etcd", ETCD_VERSION, ("etcd",))
KWOK = Bundle("kwok", KWOK_VERSION, ("kwok",))
COREDNS = Bundle("coredns", COREDNS_VERSION, ("coredns",))
BUNDLES = {bundle.name: bundle for bundle in (KUBERNETES, KUBERNETES_NODE, ETCD, KWOK, COREDNS)}
