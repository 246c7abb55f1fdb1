"""Where the external tools live: helm, kustomize and helm-docs (built with `go install`),
checkov (a venv).

All are installed by `make k8s-tools` into versioned folders of the project's cache directory
(FRAUD_CACHE_DIR, default ~/.cache/fraud-detection, where the Kafka jars are cached too), so a
version bump installs afresh. FRAUD_HELM, FRAUD_KUSTOMIZE and FRAUD_CHECKOV point at other
binaries. The versions here and in the Makefile must agree (a test checks).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

HELM_VERSION = "v3.19.5"
KUSTOMIZE_VERSION = "v5.7.1"
CHECKOV_VERSION = "3.3.30"
HELM_DOCS_VERSION = "v1.14.2"


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "fraud-detection"
    return Path(os.environ.get("FRAUD_CACHE_DIR", default))


def _find(env: str, cached: Path, name: str) -> Path | None:
    if os.environ.get(env):
        return Path(os.environ[env])
    if cached.is_file():
        return cached
    found = shutil.which(name)
    return Path(found) if found else None


def helm() -> Path | None:
    return _find("FRAUD_HELM", cache_dir() / f"helm-{HELM_VERSION}" / "helm", "helm")


def checkov() -> Path | None:
    return _find(
        "FRAUD_CHECKOV", cache_dir() / f"checkov-{CHECKOV_VERSION}" / "bin" / "checkov", "checkov"
    )


def kustomize() -> Path | None:
    cached = cache_dir() / f"kustomize-{KUSTOMIZE_VERSION}" / "kustomize"
    return _find("FRAUD_KUSTOMIZE", cached, "kustomize")


def helm_docs() -> Path | None:
    cached = cache_dir() / f"helm-docs-{HELM_DOCS_VERSION}" / "helm-docs"
    return _find("FRAUD_HELM_DOCS", cached, "helm-docs")
