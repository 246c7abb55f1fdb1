"""The pod settings users of other charts expect, in every component chart (from the library)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_k8scheck import helm
from fraud_k8scheck.objects import CHARTS_DIR, of_kind, pod_specs

pytestmark = pytest.mark.k8s

COMPONENTS = ("fraud-producer", "fraud-consumer", "fraud-scorer", "fraud-dashboard", "fraud-redis")
DIGEST = "sha256:" + "ab" * 32
EXTRAS: dict[str, Any] = {
    "image": {"registry": "registry.example.com/fraud", "digest": DIGEST},
    "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}],
    "extraVolumes": [{"name": "model", "persistentVolumeClaim": {"claimName": "models"}}],
    "extraVolumeMounts": [{"name": "model", "mountPath": "/models", "readOnly": True}],
    "podAnnotations": {"example.com/scrape": "yes"},
    "podLabels": {"team": "fraud", "app.kubernetes.io/name": "not-mine"},
    "imagePullSecrets": [{"name": "regcred"}],
    "topologySpreadConstraints": [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
        }
    ],
    "priorityClassName": "fraud-critical",
    "serviceAccount": {"name": "fraud-sa", "annotations": {"iam.example.com/role": "reader"}},
}


def _render(chart: str, tmp_path: Path, values: dict[str, Any]) -> list[dict[str, Any]]:
    path = tmp_path / f"{chart}.yaml"
    path.write_text(yaml.safe_dump(values))
    return helm.template(CHARTS_DIR / chart, [path])


@pytest.mark.parametrize("chart", COMPONENTS)
def test_every_pod_setting_reaches_the_pod(built_charts: Path, tmp_path: Path, chart: str) -> None:
    objects = _render(chart, tmp_path, EXTRAS)
    ((workload, spec),) = list(pod_specs(objects))
    container = spec["containers"][0]
    assert container["image"].startswith("registry.example.com/fraud/")
    assert container["image"].endswith(f"@{DIGEST}")
    assert {"name": "HTTPS_PROXY", "value": "http://proxy:3128"} in container["env"]
    assert {"name": "model", "mountPath": "/models", "readOnly": True} in container["volumeMounts"]
    assert {"name": "model", "persistentVolumeClaim": {"claimName": "models"}} in spec["volumes"]
    metadata = workload["spec"]["template"]["metadata"]
    assert metadata["annotations"]["example.com/scrape"] == "yes"
    assert "checksum/config" in metadata["annotations"]
    assert metadata["labels"]["team"] == "fraud"
    # The selector label stays the chart's: a pod label may not detach pods from their workload.
    assert metadata["labels"]["app.kubernetes.io/name"] == chart
    assert spec["imagePullSecrets"] == [{"name": "regcred"}]
    assert spec["priorityClassName"] == "fraud-critical"
    (spread,) = spec["topologySpreadConstraints"]
    selector = workload["spec"]["selector"]["matchLabels"]
    assert spread["labelSelector"] == {"matchLabels": selector}
    (account,) = of_kind(objects, "ServiceAccount")
    assert account["metadata"]["name"] == spec["serviceAccountName"] == "fraud-sa"
    assert account["metadata"]["annotations"] == {"iam.example.com/role": "reader"}
    assert spec["automountServiceAccountToken"] is False


@pytest.mark.parametrize("chart", COMPONENTS)
def test_an_existing_service_account_is_used_as_is(
    built_charts: Path, tmp_path: Path, chart: str
) -> None:
    values = {"serviceAccount": {"create": False, "name": "shared"}}
    objects = _render(chart, tmp_path, values)
    assert of_kind(objects, "ServiceAccount") == []
    ((_workload, spec),) = list(pod_specs(objects))
    assert spec["serviceAccountName"] == "shared"


def test_the_tag_is_used_without_a_digest(built_charts: Path) -> None:
    objects = helm.template(CHARTS_DIR / "fraud-scorer", set_values=["image.tag=1.2.3"])
    ((_workload, spec),) = list(pod_specs(objects))
    assert spec["containers"][0]["image"] == "fraud-scorer:1.2.3"
