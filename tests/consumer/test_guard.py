"""The live guard's sliding window and the expected rate beside it."""

import math

from prometheus_client import CollectorRegistry

from fraud_consumer.guard import MIN_DECISIONS, WINDOW, AlertRateGuard
from fraud_consumer.metrics import ConsumerMetrics


def gauges(metrics: ConsumerMetrics) -> tuple[float, float]:
    return metrics.alert_rate._value.get(), metrics.expected_alert_rate._value.get()


def test_the_rate_covers_the_latest_window_once_it_says_something() -> None:
    metrics, asked = ConsumerMetrics(CollectorRegistry()), []
    guard = AlertRateGuard(metrics, lambda: asked.append(1) or 0.01)
    assert all(math.isnan(value) for value in gauges(metrics))  # no alert on nothing
    guard.observe(10, MIN_DECISIONS - 100, "m1")
    assert math.isnan(gauges(metrics)[0])
    assert gauges(metrics)[1] == 0.01
    guard.observe(1, 100, "m1")
    assert gauges(metrics)[0] == 11 / MIN_DECISIONS
    for _ in range(30):  # a cold start: a third flagged
        guard.observe(333, 1_000, "m1")
    rate, expected = gauges(metrics)
    assert guard.decisions < WINDOW + 1_000
    assert rate == 0.333
    assert rate / expected > 1.5
    assert asked == [1]  # the card is read once per model


def test_another_model_starts_its_own_window_and_is_asked_again() -> None:
    metrics, rates = ConsumerMetrics(CollectorRegistry()), iter([0.01, 0.02])
    guard = AlertRateGuard(metrics, lambda: next(rates))
    guard.observe(500, WINDOW, "m1")
    assert gauges(metrics) == (0.05, 0.01)
    guard.observe(1, 100, "m2")
    rate, expected = gauges(metrics)
    assert math.isnan(rate)
    assert expected == 0.02


def test_an_unknown_expected_rate_is_asked_again_later_not_every_batch() -> None:
    metrics, asked = ConsumerMetrics(CollectorRegistry()), []
    guard = AlertRateGuard(metrics, lambda: asked.append(1))
    for _ in range(5):
        guard.observe(1, 100, "m1")
    assert len(asked) == 1
    assert math.isnan(gauges(metrics)[1])
    guard.next_ask = 0.0  # as if a minute went by
    guard.observe(1, 100, "m1")
    assert len(asked) == 2
