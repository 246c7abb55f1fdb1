"""Every pod is hardened; checkov finds nothing on any scenario; both reject a planted root pod."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_k8scheck import checkov, helm, security
from fraud_k8scheck.components import CHARTS
from fraud_k8scheck.objects import CHARTS_DIR, SCENARIOS, pod_specs

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_pod_is_hardened(render: Callable[..., Objects], scenario: str) -> None:
    found = {
        workload["metadata"]["name"]: security.problems(spec)
        for workload, spec in pod_specs(render(scenario))
    }
    assert len(found) >= 4
    assert {name: issues for name, issues in found.items() if issues} == {}


def test_the_hardening_check_rejects_a_root_pod(fixtures: Path) -> None:
    deployment = yaml.safe_load((fixtures / "deployment-as-root.yaml").read_text())
    issues = security.problems(deployment["spec"]["template"]["spec"])
    assert "pod: must run as non-root uid 10001" in issues
    assert any("runAsNonRoot" in issue for issue in issues)


def test_checkov_finds_nothing_in_any_rendering(
    render: Callable[..., Objects], checkov_binary: Path, built_charts: Path, tmp_path: Path
) -> None:
    files = []
    for scenario in SCENARIOS:
        path = tmp_path / f"{scenario}.yaml"
        path.write_text(yaml.safe_dump_all(render(scenario)))
        files.append(path)
    for chart in CHARTS:
        path = tmp_path / f"{chart}.yaml"
        path.write_text(helm.template_text(CHARTS_DIR / chart))
        files.append(path)
    assert checkov.failed_checks(files) == []


def test_checkov_rejects_a_planted_root_deployment(checkov_binary: Path, fixtures: Path) -> None:
    found = {
        finding.check_id
        for finding in checkov.failed_checks([fixtures / "deployment-as-root.yaml"])
    }
    assert "CKV_K8S_23" in found  # "Minimize the admission of root containers"


def test_every_skipped_check_has_a_reason() -> None:
    assert all(len(reason) > 40 for reason in checkov.SKIPPED.values())
