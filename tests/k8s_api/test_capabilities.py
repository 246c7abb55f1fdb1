"""What the charts decide from the cluster's APIs, on a real one: no CPU autoscaler without the
metrics API (this cluster, like kind, has no metrics-server), no monitoring objects without the
Prometheus Operator's CRDs, and generated Secrets that a template run cannot rotate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_k8sapi.kubectl import Client
from fraud_k8sapi.versions import KUBERNETES_VERSION
from fraud_k8scheck.objects import SCHEMAS

pytestmark = pytest.mark.k8s_api

MONITORING_CRDS = sorted((SCHEMAS / "crds").glob("monitoring.coreos.com_*.yaml"))


@pytest.fixture
def install(kube: Client, umbrella: Path) -> Iterator[Callable[..., None]]:
    """install(namespace, *helm args): the minimal scenario, uninstalled after the test (the
    three nodes' CPU is shared by every test of the session)."""
    installed: list[str] = []

    def run(namespace: str, *extra: str) -> None:
        minimal = umbrella / "ci" / "minimal-values.yaml"
        installed.append(namespace)
        kube.helm("install", "fraud", str(umbrella), "--namespace", namespace,
                  "--values", str(minimal), *extra, "--wait", "--timeout", "180s")  # fmt: skip

    yield run
    for namespace in installed:
        kube.helm("uninstall", "fraud", "--namespace", namespace, "--wait", check=False)


def test_without_the_metrics_api_the_scorer_runs_its_minimum(
    kube: Client, new_namespace: Any, install: Callable[..., None]
) -> None:
    namespace = new_namespace("no-metrics")
    install(namespace, "--set", "scorer.autoscaling.mode=hpa",
             "--set", "scorer.autoscaling.minReplicas=2")  # fmt: skip
    assert kube.items("horizontalpodautoscalers", namespace) == []
    scorer = kube.get("deployment", "fraud-scorer", namespace=namespace)
    assert scorer["spec"]["replicas"] == scorer["status"]["readyReplicas"] == 2


def test_without_the_prometheus_operator_the_install_works_and_skips_its_objects(
    kube: Client, new_namespace: Any, install: Callable[..., None]
) -> None:
    """It failed with "no matches for kind ServiceMonitor" where kube-prometheus-stack is not."""
    crds = [yaml.safe_load(path.read_text()) for path in MONITORING_CRDS]
    names = [crd["metadata"]["name"] for crd in crds]
    kube.kubectl("delete", "crd", *names, "--wait=true")
    try:
        namespace = new_namespace("no-operator")
        install(namespace)
        kinds = {o["kind"] for o in kube.get("all,configmaps", namespace=namespace)["items"]}
        assert "Deployment" in kinds
        manifest = kube.helm("get", "manifest", "fraud", "--namespace", namespace).stdout
        assert "kind: ServiceMonitor" not in manifest
        assert "kind: PrometheusRule" not in manifest
    finally:
        kube.apply(crds)
        kube.kubectl("wait", "--for=condition=Established", *(f"crd/{n}" for n in names))


def test_a_template_run_cannot_rotate_a_generated_password(
    kube: Client, new_namespace: Any, umbrella: Path, install: Callable[..., None]
) -> None:
    """helm template (and --dry-run, and GitOps tools, which render the same way) cannot read
    the live Secret and render a new random password; applied, it used to replace the one
    Redis holds. The generated Secret is immutable, so such an apply is refused."""
    namespace = new_namespace("rotation")
    install(namespace, "--set", "global.redis.auth.enabled=true")
    secret = kube.get("secret", "fraud-redis-auth", namespace=namespace)
    template = ["template", "fraud", str(umbrella), "--namespace", namespace]
    template += ["--kube-version", KUBERNETES_VERSION, "--set", "global.redis.auth.enabled=true"]
    rendered = kube.helm(*template, "--show-only", "charts/redis/templates/secret.yaml").stdout
    assert yaml.safe_load(rendered)["data"] != secret["data"]  # a fresh random password
    applied = kube.kubectl("apply", "-n", namespace, "-f", "-", stdin=rendered, check=False)
    assert applied.returncode != 0
    assert "field is immutable" in applied.stderr
    kube.helm("upgrade", "fraud", str(umbrella), "--namespace", namespace, "--reuse-values",
              "--wait", "--timeout", "180s")  # fmt: skip
    after = kube.get("secret", "fraud-redis-auth", namespace=namespace)
    assert after["data"] == secret["data"]
