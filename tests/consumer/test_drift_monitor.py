"""The consumer's drift gauges: NaN until the window says something, near zero on the reference's
own world, above the major-shift line for the one feature shifted, reset by a model switch."""

import math

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from fraud_consumer.drift_monitor import DriftMonitor
from fraud_consumer.metrics import ConsumerMetrics
from fraudcore.drift import DriftReference
from fraudcore.drift.window import BLOCK, MIN_PAYMENTS, WINDOW
from fraudcore.features import FEATURE_NAMES

SHIFTED = FEATURE_NAMES[0]


def world(rng: np.random.Generator, rows: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    features = rng.normal(size=(rows, len(FEATURE_NAMES))).astype(np.float32)
    features[:, 0] += shift
    features[rng.uniform(size=rows) < 0.2, 1] = np.nan  # a feature often undefined
    return features, rng.beta(0.5, 8.0, size=rows).astype(np.float32)


@pytest.fixture
def reference() -> DriftReference:
    features, scores = world(np.random.default_rng(1), 50_000)
    return DriftReference.of(features, scores, FEATURE_NAMES, model_version="m1", window="test",
                             data_sha256="d" * 64, code_sha256="c" * 64)  # fmt: skip


def gauges(metrics: ConsumerMetrics) -> tuple[float, dict[str, float], float]:
    features = {n: metrics.drift_feature.labels(feature=n)._value.get() for n in FEATURE_NAMES}
    return metrics.drift_score._value.get(), features, metrics.drift_window._value.get()


def feed(monitor: DriftMonitor, rng, payments: int, version: str = "m1", shift: float = 0.0):
    for _ in range(payments // 500):
        features, scores = world(rng, 500, shift)
        monitor.observe(features, scores.tolist(), version)


def test_the_reference_world_stays_quiet_and_a_shifted_feature_stands_out(reference) -> None:
    metrics, rng = ConsumerMetrics(CollectorRegistry()), np.random.default_rng(2)
    monitor = DriftMonitor(metrics, lambda _version: reference)
    score, features, window = gauges(metrics)
    assert math.isnan(score)
    assert all(math.isnan(v) for v in features.values())
    assert window == 0
    feed(monitor, rng, MIN_PAYMENTS - 500)
    assert math.isnan(gauges(metrics)[0])
    feed(monitor, rng, WINDOW)
    score, features, window = gauges(metrics)
    assert window == WINDOW
    assert score < 0.01
    assert max(features.values()) < 0.02
    feed(monitor, rng, WINDOW, shift=1.0)  # one standard deviation: PSI about 0.96 in theory
    score, features, _ = gauges(metrics)
    assert features[SHIFTED] > 0.25
    assert max(v for n, v in features.items() if n != SHIFTED) < 0.02
    assert score < 0.01  # the scores here do not depend on the features


def test_a_model_switch_starts_over_and_a_reference_of_another_model_is_not_used(
    reference,
) -> None:
    metrics, rng, asked = ConsumerMetrics(CollectorRegistry()), np.random.default_rng(3), []
    monitor = DriftMonitor(metrics, lambda version: asked.append(version) or reference)
    feed(monitor, rng, WINDOW)
    assert not math.isnan(gauges(metrics)[0])
    feed(monitor, rng, WINDOW, version="m2")  # m1's reference does not describe m2
    score, features, window = gauges(metrics)
    assert (math.isnan(score), window) == (True, 0)
    assert all(math.isnan(v) for v in features.values())
    assert asked == ["m1", "m2"]  # once per model, not per batch, each for its own card


def test_after_a_promotion_drift_is_measured_against_the_new_champions_card(reference) -> None:
    metrics, rng, asked = ConsumerMetrics(CollectorRegistry()), np.random.default_rng(5), []
    features, scores = world(np.random.default_rng(6), 50_000, shift=1.0)  # m2 saw another world
    other = DriftReference.of(features, scores, FEATURE_NAMES, model_version="m2", window="test",
                              data_sha256="e" * 64, code_sha256="c" * 64)  # fmt: skip
    cards = {"m1": reference, "m2": other}
    monitor = DriftMonitor(metrics, lambda version: asked.append(version) or cards[version])
    feed(monitor, rng, WINDOW)
    assert max(gauges(metrics)[1].values()) < 0.02  # m1's own world
    feed(monitor, rng, WINDOW, version="m2")  # the same world, against m2's card now
    _, features_psi, window = gauges(metrics)
    assert window == WINDOW
    assert features_psi[SHIFTED] > 0.25
    assert asked == ["m1", "m2"]


def test_without_a_reference_nothing_is_measured_and_it_asks_again_later() -> None:
    metrics, rng, asked = ConsumerMetrics(CollectorRegistry()), np.random.default_rng(4), []
    monitor = DriftMonitor(metrics, lambda _version: asked.append(1))
    feed(monitor, rng, 5_000)
    assert asked == [1]
    assert math.isnan(gauges(metrics)[0])
    monitor.next_ask = 0.0  # as if a minute went by
    feed(monitor, rng, 500)
    assert asked == [1, 1]


def test_small_batches_export_what_whole_blocks_export_and_when(reference) -> None:
    """Batches wait for a block of the window before it bins them: batches of one or a few
    payments set every gauge as a block given at once does, after the same payments."""
    features, scores = world(np.random.default_rng(4), 2 * WINDOW)
    runs = []
    for size in (1, 4, BLOCK):
        metrics = ConsumerMetrics(CollectorRegistry())
        monitor, seen = DriftMonitor(metrics, lambda _version: reference), []
        for start in range(0, len(features), size):
            end = start + size
            monitor.observe(features[start:end], scores[start:end].tolist(), "m1")
            if end % BLOCK == 0:
                seen.append(gauges(metrics))
        runs.append(seen)
    assert len(runs[0]) == 2 * WINDOW // BLOCK
    assert not math.isnan(runs[0][-1][0])
    assert runs[0] == runs[1] == runs[2]
