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


@pytest.mark.usefixtures("chart_env")
def test_no_shift_unless_asked_then_from_the_hours_after_the_live_start() -> None:
    assert _plan("--count", "10").world_shift is None
    plan = _plan("--count", "10", "--history-days", "7", "--shift", "spending",
                 "--shift-after-hours", "6", "--shift-factor", "2", "--seed", "3")  # fmt: skip
    shift = plan.world_shift
    assert shift is not None
    assert (shift.kind, shift.start_s, shift.seed, shift.factor, shift.share) == (
        "spending", (7 * 24 + 6) * 3600.0, 3, 2.0, 0.5)  # fmt: skip


def test_the_shift_comes_from_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("PRODUCER_SHIFT", "spending")
    monkeypatch.setenv("PRODUCER_SHIFT_SHARE", "0.25")
    shift = _plan("--count", "10").world_shift
    assert shift is not None
    assert (shift.kind, shift.share) == ("spending", 0.25)


@pytest.mark.usefixtures("chart_env")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--pace", "steady", "--shift", "spending"], "belongs to the world pace"),
        (["--shift", "spending", "--shift-after-hours", "-1"], "at or after the live start"),
        (["--shift", "spending", "--shift-factor", "1"], "not 1"),
    ],
)
def test_a_shift_that_cannot_be_is_refused(argv: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _plan("--count", "10", *argv)
