"""Drift before labels, end to end: the same warm-started world streamed twice through the real
producer, Kafka, consumer and Redis, once as it is and once with its spending shifted
(``fraud-producer stream --shift spending``: 70% of customers pay three times as much), each
consumer scoring with the committed model and scraped by its own real Prometheus loaded with the
committed rule file.

The unshifted world keeps every drift gauge the alerts watch below 0.1, the score's included;
the shifted one pushes the score's above 0.25 (the model reads amounts against the card's and
the merchant's usual ones, so the fraud scores of the changed customers rise) and the amount
features' with it, and only then do FraudScoreDrift and FraudFeatureDrift go pending in the real
Prometheus. The
rules' ``for: 15m`` is not shortened: the gauges scraped at the end are held for 20 minutes in
``promtool test rules`` on the same committed file, which fires the alert in the shifted case
only (a real Prometheus would take a real quarter of an hour).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from fraud_devstack.pipeline import LocalPipeline
from fraud_devstack.services import wait_for
from fraud_devstack.warm_start import World, load_warm_start
from fraud_monitoring import generate, scrape, verify
from fraud_monitoring.alerts import DRIFT_PSI_MAJOR
from fraud_monitoring.contract import CONSUMER
from fraud_monitoring.prometheus_server import PrometheusServer
from fraud_simulator.dataset import DatasetSpec
from fraud_simulator.dataset import generate as generate_world
from fraud_training.drift_reference import write_reference
from fraudcore import metrics as m
from fraudcore.drift import CALENDAR_FEATURES, DriftReference
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.model import ModelBundle

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
REPO_ROOT = Path(__file__).resolve().parents[2]
COMMITTED_MODEL_DIR = REPO_ROOT / "training" / "artifacts"
RULES = REPO_ROOT / generate.RULES_FILE
DRIFT_ALERTS = ("FraudScoreDrift", "FraudFeatureDrift")
CUSTOMERS = 2_000  # about 5,200 payments a simulated day
HISTORY_DAYS = 7  # the warm start: a week of history, so 24 h and 7 d features are settled
WINDOW = 4_000  # payments: under a simulated day, yet each decile holds 400 (PSI noise ~0.003)
PAYMENTS = WINDOW + 500  # the shifted part: the window holds nothing else at its end
REFERENCE_SEED, LIVE_SEED = 0, 1  # the reference and the live traffic: two draws of one world
WORLD = World(seed=LIVE_SEED, customers=CUSTOMERS, history_days=HISTORY_DAYS, speed=20_000.0)
STABLE = 0.1


@dataclass(frozen=True)
class Measured:
    score: float
    features: dict[str, float]
    pending: set[tuple[str, str]]  # (alert, feature) pending in the real Prometheus
    series: list[Gauge]  # the drift gauges as scraped, for promtool

    @property
    def watched(self) -> dict[str, float]:
        """The gauges the alerts watch: the score and every feature but the calendar ones."""
        kept = {n: v for n, v in self.features.items() if n not in CALENDAR_FEATURES}
        return {"score": self.score, **kept}


# What a change of spending may move: the amounts and what is computed from them, the score.
SPENDING_BOUND = {
    "score", "amount", "log_amount", "amount_to_merchant_mean", "amount_to_card_mean",
    "amount_zscore", "card_amount_24h", "card_amount_30d", "card_mean_amount_30d",
    # the card's habits read amounts against its spending scale, so spending moves them too
    "amount_vs_card_scale", "amount_scale_z", "high_amounts_7d", "amount_excess_7d",
}  # fmt: skip
SHIFT = ("--shift", "spending", "--shift-share", "0.7", "--shift-factor", "3")


@pytest.fixture(scope="module")
def drift_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed model (the test model reads too little of amounts for its score to move)
    with a reference taken as ``make drift-reference`` takes it: payments
    after the same length of history live traffic follows (here a week, there 56 days), so
    history-bound features (counts over 7 and 30 days, labels arrived) are at the same stage."""
    directory = tmp_path_factory.mktemp("drift-model")
    for path in COMMITTED_MODEL_DIR.iterdir():
        shutil.copy(path, directory / path.name)
    model = ModelBundle.load(directory)
    table = generate_world(
        DatasetSpec(days=HISTORY_DAYS + 1, customers=CUSTOMERS, seed=REFERENCE_SEED)
    )
    rows = (table["event_time"] >= table["event_time"].iloc[0].normalize()
            + np.timedelta64(HISTORY_DAYS, "D")).to_numpy()  # fmt: skip
    features = replay(table)[rows].astype(np.float32)
    reference = DriftReference.of(
        features, model.predict(features), FEATURE_NAMES, model_version=model.version,
        window=f"day {HISTORY_DAYS} of world seed {REFERENCE_SEED}", data_sha256="0" * 64,
        code_sha256="0" * 64,
    )  # fmt: skip
    write_reference(directory, reference)
    return directory


@dataclass(frozen=True)
class Gauge:
    labels: dict[str, str]
    value: float

    def series(self) -> str:
        """The series in promtool's input notation (name{labels})."""
        labels = {k: v for k, v in self.labels.items() if k != "__name__"}
        return self.labels["__name__"] + _braces(labels)


def _braces(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def _gauges(server: PrometheusServer, metric: str) -> list[Gauge]:
    return [Gauge(s["metric"], float(s["value"][1])) for s in server.query(metric)]


@dataclass
class LiveWorld:
    """The world warm-started into a consumer scraped by a real Prometheus."""

    pipeline: LocalPipeline
    server: PrometheusServer
    env: dict[str, str]
    produced: int = 0

    def stream(self, *args: str) -> Measured:
        """``fraud-producer stream <args>`` to its end, every payment scored, then the drift
        gauges and pending alerts once Prometheus has scraped and judged the last of them."""
        producer = self.pipeline.start_producer(*args, **self.env)
        assert producer.wait(180) == 0, producer.log()
        self.produced += json.loads(producer.log().strip().splitlines()[-1])["transactions"]
        self.pipeline.wait_scored(self.produced, timeout_s=120)
        full = f"{m.DRIFT_WINDOW.name} >= {WINDOW}"
        wait_for(lambda: bool(self.server.query(full)), 30, "a full drift window scraped")
        time.sleep(3)  # scrapes and rule evaluations every second: the last block is judged
        pending = {
            (a["labels"]["alertname"], a["labels"].get("feature", ""))
            for a in self.server.api("alerts")["alerts"]
            if a["labels"]["alertname"] in DRIFT_ALERTS
        }
        (score,) = _gauges(self.server, m.DRIFT_SCORE_PSI.name)
        features = _gauges(self.server, m.DRIFT_FEATURE_PSI.name)
        by_feature = {gauge.labels["feature"]: gauge.value for gauge in features}
        return Measured(score.value, by_feature, pending, [score, *features])


@contextmanager
def live_world(pipeline: LocalPipeline, model: Path, workdir: Path) -> Iterator[LiveWorld]:
    env = {**WORLD.env(), "MODEL_DIR": str(model)}
    load_warm_start(WORLD, pipeline.env(**env), workdir / "logs")
    consumer = pipeline.start_consumer("embedded", DRIFT_WINDOW_PAYMENTS=WINDOW, **env)
    config = scrape.prometheus_config(
        {CONSUMER.name: [f"127.0.0.1:{consumer.metrics_port}"]}, rule_files=[str(RULES)],
        scrape_interval="1s", jobs=[CONSUMER],
    )  # fmt: skip
    server = PrometheusServer(workdir / "prometheus", config)
    try:
        server.start()
        verify.wait_for_targets(server, [CONSUMER.name], timeout_s=30)
        yield LiveWorld(pipeline, server, env)
    finally:
        server.stop()
        pipeline.stop_all()


def measure(pipeline: LocalPipeline, model: Path, workdir: Path, *shift: str) -> Measured:
    """The live start's first ``PAYMENTS`` payments of the world, shifted by ``shift``."""
    with live_world(pipeline, model, workdir) as world:
        return world.stream("--count", str(PAYMENTS), *shift)


def promtool_firing(promtool: str, measured: Measured, expected: list[str], path: Path) -> str:
    """``promtool test rules`` on the committed rule file: the scraped gauges held for 20
    minutes; ``expected`` are the ALERTS samples that must be firing (none: no drift alert)."""
    series = [
        {"series": gauge.series(), "values": f"{gauge.value!r}x25"} for gauge in measured.series
    ]
    test = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "promql_expr_test": [{
                "expr": 'ALERTS{alertstate="firing", alertname=~"' + "|".join(DRIFT_ALERTS) + '"}',
                "eval_time": "20m",
                "exp_samples": [{"labels": label, "value": 1} for label in expected],
            }],
        }],
    }  # fmt: skip
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    result = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _alert_sample(alert: str, feature: str) -> str:
    """The ALERTS series of a firing drift alert (the rules aggregate instances away)."""
    labels = {"alertname": alert, "alertstate": "firing", "severity": "warning",
              "service": CONSUMER.name, **({"feature": feature} if feature else {})}  # fmt: skip
    return "ALERTS" + _braces(labels)


def test_the_world_shifted_fires_the_drift_alert_and_the_world_as_it_was_does_not(
    pipeline_factory: Callable[..., LocalPipeline], drift_model_dir: Path, promtool: str,
    prometheus_binary: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    # Two consumers warm-started alike, fed the same live day, as it is and with its spending
    # shifted; side by side, since each mostly waits for its processes to start.
    runs = {"plain": (), "shifted": SHIFT}
    with ThreadPoolExecutor(len(runs)) as pool:
        futures = {
            name: pool.submit(measure, pipeline_factory(), drift_model_dir, tmp_path / name, *shift)
            for name, shift in runs.items()
        }
        plain, shifted = (futures[name].result() for name in runs)
    print(json.dumps({"plain": plain.watched, "shifted": shifted.watched}, indent=1))

    assert max(plain.watched.values()) < STABLE, plain.watched
    assert plain.pending == set()
    promtool_firing(promtool, plain, [], tmp_path / "plain.test.yml")

    major = {n for n, v in shifted.watched.items() if v > DRIFT_PSI_MAJOR}
    # The score moves, with what a spending change moves, and nothing it does not
    # (history-bound features stay put).
    assert {"score", "amount_to_merchant_mean"} <= major <= SPENDING_BOUND, shifted.watched
    features = sorted(major - {"score"})
    assert shifted.pending == {("FraudScoreDrift", "")} | {
        ("FraudFeatureDrift", feature) for feature in features
    }
    firing = [_alert_sample("FraudScoreDrift", "")]
    firing += [_alert_sample("FraudFeatureDrift", feature) for feature in features]
    promtool_firing(promtool, shifted, firing, tmp_path / "shifted.test.yml")
