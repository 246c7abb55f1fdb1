"""skaffold.yaml (and the module files it requires) against the v4beta13 schema, and its wiring."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_k8scheck import documents
from fraud_k8scheck.objects import ROOT

pytestmark = pytest.mark.k8s

SKAFFOLD = ROOT / "skaffold.yaml"
SERVICES = {"fraud-producer": "producer", "fraud-consumer": "consumer"}
SERVICES |= {"fraud-scorer": "scorer", "fraud-dashboard": "dashboard"}
SERVICES |= {"fraud-decisions": "decisions"}
# where the umbrella chart takes each image (the decision log's belongs to the consumer)
VALUES = {image: f"{service}.image" for image, service in SERVICES.items()}
VALUES["fraud-decisions"] = "consumer.decisionLog.image"


def _config() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(SKAFFOLD.read_text())
    return config


def _module_files() -> list[Path]:
    return [SKAFFOLD, *(ROOT / item["path"] for item in _config()["requires"])]


@pytest.mark.parametrize("path", _module_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_skaffold_files_match_the_schema(path: Path) -> None:
    assert documents.file_problems(documents.SKAFFOLD_SCHEMA, path) == []


def test_a_typo_in_skaffold_fails_the_schema(fixtures: Path) -> None:
    found = documents.file_problems(documents.SKAFFOLD_SCHEMA, fixtures / "skaffold-typo.yaml")
    assert any("relases" in problem for problem in found), found


def test_every_image_from_the_one_dockerfile() -> None:
    artifacts = {a["image"]: a for a in _config()["build"]["artifacts"]}
    assert set(artifacts) == set(SERVICES)
    for image, service in SERVICES.items():
        assert artifacts[image]["context"] == "."
        assert artifacts[image]["docker"] == {
            "dockerfile": "Dockerfile",
            "buildArgs": {"SERVICE": service},
        }


def test_the_umbrella_chart_gets_each_built_image() -> None:
    (release,) = _config()["deploy"]["helm"]["releases"]
    assert release["chartPath"] == "charts/fraud-detection"
    templates = release["setValueTemplates"]
    for image, values in VALUES.items():
        variable = image.replace("-", "_")
        assert templates[f"{values}.repository"] == f"{{{{.IMAGE_REPO_{variable}}}}}"
        assert templates[f"{values}.tag"] == f"{{{{.IMAGE_TAG_{variable}}}}}"


def test_operators_come_first_and_ports_are_forwarded() -> None:
    config = _config()
    required = [
        yaml.safe_load((ROOT / r["path"]).read_text())["metadata"]["name"]
        for r in config["requires"]
    ]
    assert required == ["strimzi-operator", "monitoring"]
    forwards = {f["resourceName"]: f["localPort"] for f in config["portForward"]}
    monitoring = yaml.safe_load((ROOT / "k8s/monitoring/skaffold.yaml").read_text())
    forwards |= {f["resourceName"]: f["localPort"] for f in monitoring["portForward"]}
    assert forwards == {
        "fraud-dashboard": 8501, "fraud-scorer": 8000, "kube-prometheus-stack-grafana": 3000,
    }  # fmt: skip
    assert {profile["name"] for profile in config["profiles"]} == {"kind", "minikube"}


def test_the_images_build_with_buildkit() -> None:
    """The Dockerfile's RUN --mount=type=cache needs BuildKit; skaffold's default builder
    (the Docker Engine API, classic) rejects it."""
    dockerfiles = [ROOT / a["docker"]["dockerfile"] for a in _config()["build"]["artifacts"]]
    assert any("--mount=type=cache" in path.read_text() for path in dockerfiles)
    assert _config()["build"]["local"]["useBuildkit"] is True
