"""Rendered charts for the k8s tests, built once per session.

The tests need helm (and checkov for the linter test) from `make k8s-tools`. Without them they
skip, unless FRAUD_K8S_REQUIRED is set (make k8s-check sets it, so CI cannot pass by skipping).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fraud_k8scheck import helm, tools
from fraud_k8scheck.components import CHARTS
from fraud_k8scheck.objects import CHARTS_DIR, SCHEMAS, UMBRELLA
from fraud_k8scheck.validate import Validator

FIXTURES = Path(__file__).parent / "fixtures"

Objects = list[dict[str, Any]]


def _require(found: Path | None, what: str) -> Path:
    if found is None or not found.exists():
        if os.environ.get("FRAUD_K8S_REQUIRED"):
            pytest.fail(f"{what} not installed (make k8s-tools)")
        pytest.skip(f"{what} not installed: run make k8s-tools, or make k8s-check")
    return found


@pytest.fixture(scope="session")
def built_charts() -> Path:
    """Chart dependencies packaged from the local charts (file://), components first."""
    _require(tools.helm(), "helm")
    for chart in CHARTS:
        helm.dependency_build(CHARTS_DIR / chart)
    return CHARTS_DIR


@pytest.fixture(scope="session")
def checkov_binary() -> Path:
    return _require(tools.checkov(), "checkov")


@pytest.fixture(scope="session")
def render(built_charts: Path) -> Callable[..., Objects]:
    """render(scenario=None, *set_values, api_versions=FULL_CLUSTER): the umbrella chart's
    objects on a cluster serving those APIs, memoised."""
    cache: dict[tuple[str | None, tuple[str, ...], tuple[str, ...]], Objects] = {}

    def _render(
        scenario: str | None = None,
        *set_values: str,
        api_versions: tuple[str, ...] = helm.FULL_CLUSTER,
    ) -> Objects:
        key = (scenario, set_values, api_versions)
        if key not in cache:
            values = [UMBRELLA / "ci" / f"{scenario}-values.yaml"] if scenario else []
            cache[key] = helm.template(UMBRELLA, values, set_values, api_versions)
        return cache[key]

    return _render


@pytest.fixture(scope="session")
def validator() -> Validator:
    return Validator(sorted((SCHEMAS / "crds").glob("*.yaml")))


@pytest.fixture(scope="session")
def fixtures() -> Path:
    """Planted-error inputs: each validation step must reject one of these."""
    return FIXTURES


@pytest.fixture(scope="session")
def helm_docs_binary() -> Path:
    return _require(tools.helm_docs(), "helm-docs")


@pytest.fixture(scope="session")
def kustomize_binary() -> Path:
    return _require(tools.kustomize(), "kustomize")
