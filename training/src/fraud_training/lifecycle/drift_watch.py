"""The consumer's drift gauges as Prometheus would scrape them: its /metrics read every second
on a thread of its own, each sample with how many payments the consumer had scored by then (so
that a sample can be placed on the world's clock by the payments' days)."""

from __future__ import annotations

import math
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from fraudcore import metrics as m
from fraudcore.drift import CALENDAR_FEATURES


@dataclass(frozen=True)
class Sample:
    at_s: float  # since the watch began
    scored: int
    window: float
    score_psi: float
    feature_psi: dict[str, float]

    @property
    def watched_max(self) -> tuple[str, float]:
        """The highest PSI the drift alerts watch (the score, and features but calendar ones)."""
        watched = {"score": self.score_psi, **{
            name: value for name, value in self.feature_psi.items()
            if name not in CALENDAR_FEATURES
        }}  # fmt: skip
        finite = {k: v for k, v in watched.items() if not math.isnan(v)}
        if not finite:
            return "", math.nan
        name = max(finite, key=lambda k: finite[k])
        return name, finite[name]


def scrape(port: int) -> tuple[float, float, dict[str, float]]:
    """(window, score PSI, feature PSIs) from a consumer's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    window, score, features = math.nan, math.nan, {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == m.DRIFT_WINDOW.name:
                window = sample.value
            elif sample.name == m.DRIFT_SCORE_PSI.name:
                score = sample.value
            elif sample.name == m.DRIFT_FEATURE_PSI.name:
                features[sample.labels["feature"]] = sample.value
    return window, score, features


class DriftWatch:
    def __init__(self, port: int, scored: Callable[[], int], every_s: float = 0.5) -> None:
        self.port, self.scored, self.every_s = port, scored, every_s
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drift-watch", daemon=True)
        self._began = time.monotonic()

    def start(self) -> DriftWatch:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                count = self.scored()
                window, score, features = scrape(self.port)
            except OSError:  # a scrape missed, as Prometheus would: the next one counts
                continue
            at = time.monotonic() - self._began
            self.samples.append(Sample(at, count, window, score, features))

    def stop(self) -> list[Sample]:
        self._stop.set()
        self._thread.join(10)
        return list(self.samples)
