"""Stand-in exporters serving plausible values for every metric of every service.

Each job gets its own registry with only its own metrics, created through ``MetricSpec.create``
exactly as the services do, and its own HTTP port. Tests point a real Prometheus at them to prove
the scrape config, the dashboard queries and the alert rules work on real scrapes before the
services exist; ``fraud-monitoring sample-exporter`` does the same for designing dashboards.
"""

from __future__ import annotations

import itertools
import math
import random
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server

from fraud_monitoring.contract import INFO_KEYS, JOBS, Job
from fraudcore import metrics as m
from fraudcore.features import FEATURE_NAMES
from fraudcore.live_stats import OUTCOMES
from fraudcore.metrics import MetricSpec
from fraudcore.rules import BASELINE_RULES
from fraudcore.schemas import DLQ_REASONS, Decision
from fraudcore.settings import ScoringMode, TopicSettings

_TOPICS = TopicSettings()
INFO_MODEL_VERSION = "sample-2026-11-28"
# The label values the services export: from their owners in fraudcore where they live there;
# the producer's and the scorer's own (scenario, kind, endpoint) are checked against theirs by
# tests/monitoring/test_sample_exporter.py. The first of each carries most of the traffic.
LABEL_VALUES: dict[str, tuple[str, ...]] = {
    "scenario": (
        "genuine",
        "card_testing",
        "account_takeover",
        "compromised_terminal",
        "inflated_amounts",
        "category_anomaly",
    ),
    "is_fraud": ("false", "true"),
    "kind": ("bad_json", "not_utf8", "missing_field"),
    "topic": (_TOPICS.topic_transactions, _TOPICS.topic_labels),
    "partition": ("0", "1", "2"),
    "scoring_mode": (ScoringMode.REMOTE.value,),
    "stage": m.STAGES,
    "role": m.SERVING_ROLES,
    "decision": tuple(decision.value for decision in Decision),
    "rule": tuple(rule.id for rule in BASELINE_RULES),  # what the consumer exports from the start
    "reason": DLQ_REASONS,
    "dependency": m.RETRY_DEPENDENCIES,
    "outcome": ("tn", *(cell for cell in OUTCOMES if cell != "tn")),
    "endpoint": ("/v1/score/rows", "/v1/score/batch", "/v1/score"),
    "status": ("200", "422"),
    "result": m.RELOAD_RESULTS,
    "day": ("2026-03-09", "2026-03-10"),  # days of decision in the decision log
    "model_version": (INFO_MODEL_VERSION,),
    "champion_version": ("sample-2026-11-01",),  # the version a challenger shadows
    "feature": FEATURE_NAMES,
}
INFO_VALUES = {"version": INFO_MODEL_VERSION, "features": str(len(FEATURE_NAMES))}
_FIXED_GAUGES = {
    m.CONSUMER_PAUSED.name: 0.0,
    m.PRODUCER_TARGET_RATE.name: 200.0,
    m.LOG_QUALITY_REFRESHED.name: 1.8e9,  # a time, not a count
    m.DRIFT_SCORE_PSI.name: 0.02,  # a stable world: drift alerts stay quiet
    m.DRIFT_FEATURE_PSI.name: 0.02,
    m.DRIFT_WINDOW.name: 10_000.0,
}
# Failure counters: a trickle on every series, never the bulk of the traffic.
_RARE = {
    spec.name
    for spec in (
        m.PRODUCER_POISON,
        m.PRODUCER_DELIVERY_ERRORS,
        m.DLQ_MESSAGES,
        m.DUPLICATES,
        m.CONSUMER_RETRIES,
        m.SCORER_MODEL_RELOADS,
        m.LOG_QUALITY_ERRORS,
    )
}


def _combinations(spec: MetricSpec) -> Iterator[tuple[str, ...]]:
    # A label the table does not know still gets a value: a new metric must not break sampling.
    return itertools.product(*(LABEL_VALUES.get(label, ("sample",)) for label in spec.labels))


@dataclass
class SampleService:
    job: Job
    rng: random.Random
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    _metrics: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for spec in self.job.metrics:
            self._metrics[spec.name] = spec.create(self.registry)

    def tick(self) -> None:
        """Advance every series a little, as a minute of light traffic would."""
        for spec in self.job.metrics:
            metric = self._metrics[spec.name]
            if spec.kind == "info":
                keys = INFO_KEYS.get(spec.name, ())
                metric.info({key: INFO_VALUES.get(key, "sample") for key in keys})
                continue
            for index, values in enumerate(_combinations(spec)):
                child = metric.labels(*values) if values else metric
                self._update(spec, child, busy=index == 0 and spec.name not in _RARE)

    def _update(self, spec: MetricSpec, child: Any, *, busy: bool) -> None:
        if spec.kind == "counter":
            child.inc(self.rng.randint(5, 20) if busy else self.rng.randint(0, 2))
        elif spec.kind == "histogram":
            # Log-normal around a low bucket, so quantiles land inside the layout with a tail.
            median = spec.buckets[len(spec.buckets) // 4]
            for _ in range(10 if busy else 3):
                child.observe(median * math.exp(self.rng.gauss(0.0, 0.6)))
        elif spec.name in _FIXED_GAUGES:
            child.set(_FIXED_GAUGES[spec.name])
        elif spec.name.endswith("_ratio"):
            child.set(self.rng.uniform(0.55, 0.85))
        else:
            child.set(self.rng.randint(0, 40))


class SampleTraffic:
    """Every job's sample service, ticking in a background thread while served."""

    def __init__(self, jobs: Sequence[Job] = JOBS, *, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.services = {job.name: SampleService(job, random.Random(rng.random())) for job in jobs}
        self._stop = threading.Event()
        self._servers: list[WSGIServer] = []
        self._ticker: threading.Thread | None = None

    def tick(self) -> None:
        for service in self.services.values():
            service.tick()

    def serve(
        self, ports: Mapping[str, int], *, host: str = "127.0.0.1", every_s: float = 0.2
    ) -> None:
        """Serve each job's /metrics on ``ports[job]`` and keep the values moving."""
        self.tick()  # every series exists before the first scrape
        for name, service in self.services.items():
            server, _ = start_http_server(ports[name], addr=host, registry=service.registry)
            self._servers.append(server)
        self._ticker = threading.Thread(target=self._run, args=(every_s,), daemon=True)
        self._ticker.start()

    def _run(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            self.tick()

    def close(self) -> None:
        self._stop.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
