"""k8s/: cluster configs, the Strimzi install and the monitoring stack agree with the rest."""

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_k8sapi import versions
from fraud_k8scheck import helm, kustomize, tools
from fraud_k8scheck.objects import ROOT, SCHEMAS
from fraud_k8scheck.validate import Validator

pytestmark = pytest.mark.k8s

K8S = ROOT / "k8s"
STRIMZI_VERSION = "1.2.0"
# The RoleBindings and ClusterRoleBindings of the Strimzi 1.2.0 cluster-operator install files,
# all of which name the operator's ServiceAccount in namespace "myproject".
STRIMZI_BINDINGS = {
    ("RoleBinding", "strimzi-cluster-operator"),
    ("RoleBinding", "strimzi-cluster-operator-leader-election"),
    ("RoleBinding", "strimzi-cluster-operator-watched"),
    ("RoleBinding", "strimzi-cluster-operator-entity-operator-delegation"),
    ("ClusterRoleBinding", "strimzi-cluster-operator"),
    ("ClusterRoleBinding", "strimzi-cluster-operator-kafka-broker-delegation"),
    ("ClusterRoleBinding", "strimzi-cluster-operator-kafka-client-delegation"),
}
KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "namespace", "resources", "patches"}


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=yaml.CSafeLoader)


def _skaffold() -> dict[str, Any]:
    config: dict[str, Any] = _load(ROOT / "skaffold.yaml")
    return config


def test_namespace_is_valid_and_shared_by_every_install(validator: Validator) -> None:
    namespace = _load(K8S / "namespace" / "namespace.yaml")
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert _load(K8S / "namespace" / "kustomization.yaml")["resources"] == ["namespace.yaml"]
    assert validator.problems(namespace) == []
    name = namespace["metadata"]["name"]
    assert name == helm.NAMESPACE == _load(K8S / "strimzi" / "kustomization.yaml")["namespace"]
    assert _skaffold()["deploy"]["helm"]["releases"][0]["namespace"] == name


def test_strimzi_operator_is_pinned_and_its_bindings_repointed() -> None:
    kustomization = _load(K8S / "strimzi" / "kustomization.yaml")
    assert set(kustomization) <= KUSTOMIZATION_FIELDS
    (remote,) = [r for r in kustomization["resources"] if r.startswith("https://")]
    assert remote == (
        "https://github.com/strimzi/strimzi-kafka-operator/releases/download/"
        f"{STRIMZI_VERSION}/strimzi-cluster-operator-{STRIMZI_VERSION}.yaml"
    )
    # A base folder, not a file: kustomize loads plain files only from under its own root.
    assert "../namespace" in kustomization["resources"]
    patched = set()
    bindings = [p for p in kustomization["patches"] if p["target"]["kind"].endswith("Binding")]
    for patch in bindings:
        (operation,) = json.loads(patch["patch"])
        assert operation == {
            "op": "replace",
            "path": "/subjects/0/namespace",
            "value": kustomization["namespace"],
        }
        patched.add((patch["target"]["kind"], patch["target"]["name"]))
    assert patched == STRIMZI_BINDINGS


def _release_stand_in() -> str:
    """The release manifest's bindings as shipped (subjects in namespace "myproject") and its
    operator Deployment (the container's env abridged)."""
    bindings = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": kind,
            "metadata": {"name": name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": name,
            },
            "subjects": [
                {
                    "kind": "ServiceAccount",
                    "name": "strimzi-cluster-operator",
                    "namespace": "myproject",
                }
            ],
        }
        for kind, name in sorted(STRIMZI_BINDINGS)
    ]
    operator = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "strimzi-cluster-operator"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "strimzi-cluster-operator",
                            "image": "quay.io/strimzi/operator:1.2.0",
                            "env": [{"name": "STRIMZI_NAMESPACE", "value": "x"}],
                        }
                    ]
                }
            }
        },
    }
    return yaml.safe_dump_all([*bindings, operator])


def _strimzi_url() -> str:
    kustomization = _load(K8S / "strimzi" / "kustomization.yaml")
    (url,) = [r for r in kustomization["resources"] if r.startswith("https://")]
    return str(url)


def test_the_strimzi_kustomization_builds_with_every_binding_in_our_namespace(
    kustomize_binary: Path,
) -> None:
    objects = kustomize.build(K8S / "strimzi", {_strimzi_url(): _release_stand_in()}, root=K8S)
    namespaces = [obj for obj in objects if obj["kind"] == "Namespace"]
    assert [ns["metadata"]["name"] for ns in namespaces] == [helm.NAMESPACE]
    bindings = [obj for obj in objects if obj["kind"].endswith("RoleBinding")]
    assert len(bindings) == len(STRIMZI_BINDINGS)
    for binding in bindings:
        assert binding["subjects"][0]["namespace"] == helm.NAMESPACE, binding["metadata"]["name"]
    (operator,) = [obj for obj in objects if obj["kind"] == "Deployment"]
    env = {
        e["name"]: e.get("value")
        for e in operator["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    # Its operands get restricted-compliant securityContexts (the namespace enforces restricted).
    assert env == {"STRIMZI_NAMESPACE": "x", "STRIMZI_POD_SECURITY_PROVIDER_CLASS": "restricted"}


def test_a_mistargeted_patch_or_an_outside_file_is_caught(
    kustomize_binary: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("schemas"))
    kustomization = copy / "strimzi" / "kustomization.yaml"
    original = kustomization.read_text()
    kustomization.write_text(
        original.replace("name: strimzi-cluster-operator-watched}", "name: watchd}")
    )
    objects = kustomize.build(copy / "strimzi", {_strimzi_url(): _release_stand_in()}, root=copy)
    left = [
        b["metadata"]["name"]
        for b in objects
        if b.get("subjects", [{}])[0].get("namespace") == "myproject"
    ]
    assert left == ["strimzi-cluster-operator-watched"]  # a typo'd target patches nothing, silently
    kustomization.write_text(
        original.replace("- ../namespace\n", "- ../namespace/namespace.yaml\n")
    )
    with pytest.raises(RuntimeError, match="not in or below"):
        kustomize.build(copy / "strimzi", {_strimzi_url(): _release_stand_in()}, root=copy)


def test_the_pinned_strimzi_serves_the_api_version_the_chart_uses() -> None:
    crd = _load(SCHEMAS / "crds" / "strimzi-040-Crd-kafka.yaml")
    served = [v["name"] for v in crd["spec"]["versions"] if v["served"]]
    assert served == ["v1"]
    kafka_template = (ROOT / "charts/fraud-detection/templates/strimzi/kafka.yaml").read_text()
    assert "apiVersion: kafka.strimzi.io/v1\n" in kafka_template
    readme = (SCHEMAS / "README.md").read_text()
    assert f"| Strimzi {STRIMZI_VERSION} (serves `kafka.strimzi.io/v1` only" in readme


def test_kind_and_minikube_contexts_activate_the_skaffold_profiles() -> None:
    kind = _load(K8S / "kind" / "cluster.yaml")
    assert (kind["apiVersion"], kind["kind"]) == ("kind.x-k8s.io/v1alpha4", "Cluster")
    profiles = {p["name"]: p["activation"][0]["kubeContext"] for p in _skaffold()["profiles"]}
    assert profiles["kind"] == f"kind-{kind['name']}"
    start = (K8S / "minikube" / "start.sh").read_text()
    assert re.search(rf"--profile {re.escape(profiles['minikube'])}\b", start)
    assert "--cni calico" in start, "the default minikube CNI ignores NetworkPolicies"


def test_kube_prometheus_stack_finds_the_charts_monitoring_objects() -> None:
    values = _load(K8S / "monitoring" / "kube-prometheus-stack-values.yaml")
    spec = values["prometheus"]["prometheusSpec"]
    for selector in ("serviceMonitor", "podMonitor", "rule"):
        assert spec[f"{selector}SelectorNilUsesHelmValues"] is False
    dashboards = values["grafana"]["sidecar"]["dashboards"]
    assert (dashboards["label"], dashboards["labelValue"]) == ("grafana_dashboard", "1")
    assert dashboards["searchNamespace"] == "ALL"
    analytics = values["grafana"]["grafana.ini"]["analytics"]  # nothing calls grafana.com
    assert analytics == dict.fromkeys(
        ("reporting_enabled", "check_for_updates", "check_for_plugin_updates"), False
    )
    module = _load(K8S / "monitoring" / "skaffold.yaml")
    (release,) = module["deploy"]["helm"]["releases"]
    header = (K8S / "monitoring" / "kube-prometheus-stack-values.yaml").read_text()
    assert f"--version {release['version']}" in header


def test_the_generated_prometheus_rule_file_is_still_valid(validator: Validator) -> None:
    rule = _load(K8S / "monitoring" / "fraud-alerts.prometheusrule.yaml")
    assert validator.problems(rule) == []


def test_local_cluster_values_lint(built_charts: Path) -> None:
    result = helm.lint(ROOT / "charts/fraud-detection", [K8S / "values" / "local-cluster.yaml"])
    assert result.returncode == 0, result.output


def test_tool_versions_agree_between_makefile_and_code() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert f"HELM_VERSION := {tools.HELM_VERSION}\n" in makefile
    assert f"CHECKOV_VERSION := {tools.CHECKOV_VERSION}\n" in makefile
    assert f"KUSTOMIZE_VERSION := {tools.KUSTOMIZE_VERSION}\n" in makefile
    assert f"HELM_DOCS_VERSION := {tools.HELM_DOCS_VERSION}\n" in makefile
    assert f"KUBERNETES_VERSION := {versions.KUBERNETES_VERSION}\n" in makefile
    assert f"ETCD_VERSION := {versions.ETCD_VERSION}\n" in makefile
    assert f"KWOK_VERSION := {versions.KWOK_VERSION}\n" in makefile
    wrapper = (ROOT / "tools/k8sapi/go/kubernetes/go.mod").read_text()
    assert re.search(rf"^\s*k8s\.io/kubernetes {versions.KUBERNETES_VERSION}\b", wrapper, re.M)
    # Every staging module pinned at the v0 release published with it.
    staging = versions.KUBERNETES_VERSION.replace("v1.", "v0.")
    replaced = re.findall(r"^\t(k8s\.io/[\w.-]+) => (k8s\.io/[\w.-]+) (v\S+)$", wrapper, re.M)
    assert len(replaced) == 31
    assert all(old == new and version == staging for old, new, version in replaced)
    frozen = (K8S / "tools" / "checkov-requirements.txt").read_text()
    assert f"\ncheckov=={tools.CHECKOV_VERSION}\n" in frozen
