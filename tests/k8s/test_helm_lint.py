"""helm lint --strict passes on every chart and every ci scenario, and fails on planted errors."""

import shutil
from pathlib import Path

import pytest

from fraud_k8scheck import helm
from fraud_k8scheck.components import CHARTS
from fraud_k8scheck.objects import CHARTS_DIR, SCENARIOS, UMBRELLA

pytestmark = pytest.mark.k8s


@pytest.mark.parametrize("chart", CHARTS)
def test_chart_lints_strictly_with_its_defaults(built_charts: Path, chart: str) -> None:
    result = helm.lint(CHARTS_DIR / chart)
    assert result.returncode == 0, result.output


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_umbrella_lints_strictly_in_every_scenario(built_charts: Path, scenario: str) -> None:
    result = helm.lint(UMBRELLA, [UMBRELLA / "ci" / f"{scenario}-values.yaml"])
    assert result.returncode == 0, result.output


def test_the_nine_scenarios_exist() -> None:
    assert set(SCENARIOS) == {
        "minimal", "auth", "external-kafka", "keda", "ha", "monitoring-off", "node-e2e", "cnpg",
        "external-db",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("fixture", "complaint"),
    [
        ("values-unknown-field.yaml", "replicas"),  # a typo'd key in a component's values
        ("values-unknown-env.yaml", "SCORER_MAX_BATCH"),  # not a ScorerSettings variable
        ("values-bad-mode.yaml", "mode"),  # HPA and KEDA at once is no allowed value
    ],
)
def test_the_values_schemas_reject_planted_typos(
    built_charts: Path, fixtures: Path, fixture: str, complaint: str
) -> None:
    result = helm.lint(UMBRELLA, [fixtures / fixture])
    assert result.returncode != 0
    assert complaint in result.output


def test_lint_fails_on_a_chart_with_a_broken_template(built_charts: Path, tmp_path: Path) -> None:
    broken = tmp_path / "fraud-scorer"
    shutil.copytree(CHARTS_DIR / "fraud-scorer", broken)
    service = broken / "templates" / "service.yaml"
    service.write_text(service.read_text().replace("{{- include", "{{- inclde", 1))
    result = helm.lint(broken)
    assert result.returncode != 0
    assert "inclde" in result.output
