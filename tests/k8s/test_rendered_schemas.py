"""Every rendered object validates strictly: built-in kinds and CRDs, unknown fields rejected."""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_k8scheck import helm
from fraud_k8scheck.components import CHARTS
from fraud_k8scheck.objects import CHARTS_DIR, SCENARIOS
from fraud_k8scheck.validate import Validator

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]
CUSTOM = {
    "Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "ServiceMonitor", "PodMonitor",
    "PrometheusRule", "ScaledObject", "TriggerAuthentication", "Cluster",
}  # fmt: skip


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_object_of_every_scenario_is_valid(
    render: Callable[..., Objects], validator: Validator, scenario: str
) -> None:
    problems = validator.all_problems(render(scenario))
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_renders_valid_objects_on_its_own(
    built_charts: Path, validator: Validator, chart: str
) -> None:
    problems = validator.all_problems(helm.template(CHARTS_DIR / chart))
    assert not problems, "\n".join(map(str, problems))


def test_the_scenarios_cover_every_custom_resource_kind(render: Callable[..., Objects]) -> None:
    kinds = {obj["kind"] for scenario in SCENARIOS for obj in render(scenario)}
    assert kinds >= CUSTOM


def test_a_crd_schema_exists_for_every_custom_kind(validator: Validator) -> None:
    assert {kind for _, kind in validator.custom_kinds()} >= CUSTOM


def test_planted_kafka_with_unknown_field_is_rejected(validator: Validator, fixtures: Path) -> None:
    kafka = yaml.safe_load((fixtures / "kafka-unknown-field.yaml").read_text())
    problems = validator.problems(kafka)
    assert any("replicationFactor" in str(problem) for problem in problems), problems


def test_preserve_unknown_fields_are_respected(validator: Validator, fixtures: Path) -> None:
    """Kafka's free-form `config` takes any key; a typo beside it does not pass."""
    kafka = yaml.safe_load((fixtures / "kafka-unknown-field.yaml").read_text())
    del kafka["spec"]["kafka"]["replicationFactor"]
    kafka["spec"]["kafka"]["config"]["any.broker.setting"] = "ok"
    assert validator.problems(kafka) == []


def test_planted_errors_in_builtin_and_custom_objects_are_rejected(
    render: Callable[..., Objects], validator: Validator
) -> None:
    objects = render("keda")
    planted = 0
    for original in objects:
        obj = copy.deepcopy(original)
        if obj["kind"] == "Deployment":
            obj["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonroot"] = (
                True
            )
        elif obj["kind"] in ("KafkaTopic", "ScaledObject", "PodMonitor", "ServiceMonitor"):
            obj["spec"]["typo"] = 1
        elif obj["kind"] == "PrometheusRule":
            obj["spec"]["groups"][0]["rules"][0]["fro"] = "5m"
        else:
            continue
        planted += 1
        assert validator.problems(obj), f"{obj['kind']}/{obj['metadata']['name']} passed"
    assert planted >= 10


def test_an_object_of_unknown_kind_is_a_problem_not_a_pass(validator: Validator) -> None:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert validator.problems(obj)
