"""The stream's plan from flags and settings: a flag wins, and the world speed a deployment
sets (the charts' PRODUCER_SPEED) does not refuse a steady-pace load test run by flag in the
same pod, as make k8s-e2e's producer Jobs do."""

from __future__ import annotations

import pytest

from fraud_producer.cli import _parser, stream_plan
from fraud_producer.settings import ProducerSettings
from fraud_producer.stream import StreamPlan


@pytest.fixture
def chart_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("PRODUCER_SPEED", "175")  # what the charts' ConfigMap sets


def _plan(*argv: str) -> StreamPlan:
    return stream_plan(_parser().parse_args(["stream", *argv]), ProducerSettings())


@pytest.mark.usefixtures("chart_env")
def test_a_steady_load_test_runs_in_a_pod_configured_for_the_world() -> None:
    plan = _plan("--pace", "steady", "--rate", "200", "--count", "10")
    assert (plan.pace, plan.speed, plan.rate_tps, plan.count) == ("steady", None, 200, 10)


@pytest.mark.usefixtures("chart_env")
def test_the_world_pace_takes_the_deployments_speed() -> None:
    plan = _plan("--count", "10")
    assert (plan.pace, plan.speed) == ("world", 175)


@pytest.mark.usefixtures("chart_env")
def test_a_speed_given_by_flag_to_the_steady_pace_is_still_refused() -> None:
    with pytest.raises(ValueError, match="belong to the world pace"):
        _plan("--pace", "steady", "--speed", "10", "--count", "10")


@pytest.mark.usefixtures("chart_env")
def test_a_label_tail_follows_the_days_of_the_world_pace() -> None:
    plan = _plan("--days", "2", "--label-tail-speed", "14400")
    assert (plan.days, plan.label_tail_speed) == (2, 14_400)


@pytest.mark.usefixtures("chart_env")
@pytest.mark.parametrize(
    "argv",
    [
        ("--count", "10", "--label-tail-speed", "14400"),  # no last day to follow
        ("--days", "2", "--label-tail-speed", "0"),
        ("--pace", "steady", "--count", "10", "--label-tail-speed", "14400"),
    ],
)
def test_a_label_tail_without_days_or_speed_is_refused(argv: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="label tail"):
        _plan(*argv)
