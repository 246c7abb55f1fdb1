"""The live guard's sliding window of scores and the model card's figures beside it."""

import math

from prometheus_client import CollectorRegistry

from fraud_consumer.guard import MIN_PAYMENTS, WINDOW, AlertRateGuard, CardReference
from fraud_consumer.metrics import ConsumerMetrics

CARD = CardReference(review_threshold=0.3, expected_alert_rate=0.01)


def gauges(metrics: ConsumerMetrics) -> tuple[float, float]:
    return metrics.alert_rate._value.get(), metrics.expected_alert_rate._value.get()


def scores(alerts: int, payments: int) -> list[float]:
    return [0.9] * alerts + [0.29] * (payments - alerts)  # 0.29: under the review threshold


def test_the_rate_covers_the_latest_window_once_it_says_something() -> None:
    metrics, asked = ConsumerMetrics(CollectorRegistry()), []
    guard = AlertRateGuard(metrics, lambda _version: asked.append(1) or CARD)
    assert all(math.isnan(value) for value in gauges(metrics))  # no alert on nothing
    guard.observe(scores(10, MIN_PAYMENTS - 100), "m1")
    assert math.isnan(gauges(metrics)[0])
    assert gauges(metrics)[1] == 0.01
    guard.observe([0.3] + [0.0] * 99, "m1")  # at the threshold counts
    assert gauges(metrics)[0] == 11 / MIN_PAYMENTS
    for _ in range(30):  # a cold start: a third of all payments above the threshold
        guard.observe(scores(333, 1_000), "m1")
    rate, expected = gauges(metrics)
    assert guard.payments < WINDOW + 1_000
    assert rate == 0.333
    assert rate / expected > 1.5
    assert asked == [1]  # the card is read once per model


def test_another_model_starts_its_own_window_and_is_asked_again() -> None:
    metrics = ConsumerMetrics(CollectorRegistry())
    cards = iter([CARD, CardReference(review_threshold=0.5, expected_alert_rate=0.02)])
    guard = AlertRateGuard(metrics, lambda _version: next(cards))
    guard.observe(scores(500, WINDOW), "m1")
    assert gauges(metrics) == (0.05, 0.01)
    guard.observe(scores(1, 100), "m2")
    rate, expected = gauges(metrics)
    assert math.isnan(rate)
    assert expected == 0.02


def test_without_the_cards_figures_nothing_is_counted_and_it_asks_again_later() -> None:
    metrics, asked = ConsumerMetrics(CollectorRegistry()), []
    guard = AlertRateGuard(metrics, lambda _version: asked.append(1))
    for _ in range(5):
        guard.observe(scores(1, 100), "m1")
    assert len(asked) == 1  # not every batch
    assert guard.payments == 0
    assert all(math.isnan(value) for value in gauges(metrics))
    guard.next_ask = 0.0  # as if a minute went by
    guard.observe(scores(1, 100), "m1")
    assert len(asked) == 2
