"""Shared helpers for the monitoring tests: the repository root and the Prometheus binaries."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def require_binary(name: str) -> str:
    """The path of a Prometheus tool; CI must have it (.ci/run installs it), laptops may not."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} not on PATH (Debian package: prometheus)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def promtool() -> str:
    return require_binary("promtool")


@pytest.fixture(scope="session")
def prometheus_binary() -> str:
    return require_binary("prometheus")
