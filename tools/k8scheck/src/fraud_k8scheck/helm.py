"""Thin wrappers around the helm CLI: dependency build, lint and template, all offline.

The charts' dependencies are local (file://), so `helm dependency build` only packages
directories of this repository. Rendering pins the Kubernetes version: a helm built with
`go install` would otherwise assume v1.20 and fail the chart's kubeVersion constraint. It also
names the APIs a fully equipped cluster serves (the operators' CRDs, the metrics API): the
charts render their monitoring objects and CPU autoscalers only where those exist.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fraud_k8scheck import tools

KUBE_VERSION = "1.33.0"  # the schemas kubernetes-validate checks against
RELEASE = "fraud"
NAMESPACE = "fraud"
# kube-prometheus-stack, metrics-server, KEDA and Strimzi installed.
FULL_CLUSTER = (
    "monitoring.coreos.com/v1",
    "metrics.k8s.io/v1beta1",
    "keda.sh/v1alpha1",
    "kafka.strimzi.io/v1",
)


class HelmError(RuntimeError):
    pass


@dataclass(frozen=True)
class Result:
    returncode: int
    output: str


def _helm() -> str:
    binary = tools.helm()
    if binary is None:
        raise FileNotFoundError("helm not found: run `make k8s-tools`")
    return str(binary)


def run(args: Sequence[str], *, cwd: Path | None = None) -> Result:
    done = subprocess.run(  # noqa: S603 - fixed binary, arguments from our own code
        [_helm(), *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=300
    )
    return Result(done.returncode, done.stdout + done.stderr)


def dependency_build(chart: Path) -> None:
    result = run(["dependency", "build", "--skip-refresh", str(chart)])
    if result.returncode:
        raise HelmError(f"helm dependency build {chart}:\n{result.output}")


def lint(chart: Path, values: Sequence[Path] = ()) -> Result:
    args = ["lint", "--strict", "--kube-version", KUBE_VERSION, str(chart)]
    for file in values:
        args += ["--values", str(file)]
    return run(args)


def template_text(
    chart: Path,
    values: Sequence[Path] = (),
    set_values: Sequence[str] = (),
    api_versions: Sequence[str] = FULL_CLUSTER,
) -> str:
    args = ["template", RELEASE, str(chart), "--namespace", NAMESPACE]
    args += ["--kube-version", KUBE_VERSION]
    for api in api_versions:
        args += ["--api-versions", api]
    for file in values:
        args += ["--values", str(file)]
    for assignment in set_values:
        args += ["--set", assignment]
    result = run(args)
    if result.returncode:
        raise HelmError(
            f"helm template {chart} {list(values)} {list(set_values)}:\n{result.output}"
        )
    return result.output


def template(
    chart: Path,
    values: Sequence[Path] = (),
    set_values: Sequence[str] = (),
    api_versions: Sequence[str] = FULL_CLUSTER,
) -> list[dict[str, Any]]:
    """The rendered objects (empty documents dropped)."""
    text = template_text(chart, values, set_values, api_versions)
    return [doc for doc in yaml.load_all(text, Loader=yaml.CSafeLoader) if doc]
