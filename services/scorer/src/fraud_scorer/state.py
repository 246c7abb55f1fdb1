"""What the routes share: settings, the model holder, the feature store, metrics."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from prometheus_client import CollectorRegistry

from fraud_scorer.model_holder import ModelHolder
from fraud_scorer.settings import ScorerSettings
from fraudcore import metrics
from fraudcore.feature_store import FeatureStore
from fraudcore.features import FEATURE_NAMES
from fraudcore.redis_client import RedisClient
from fraudcore.scoring import Engine, Verdict, verdicts


class ScorerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.latency: Any = metrics.SCORER_REQUEST_LATENCY.create(registry)
        self.requests: Any = metrics.SCORER_REQUESTS.create(registry)
        self.inference: Any = metrics.SCORER_INFERENCE_LATENCY.create(registry)
        self.batch_rows: Any = metrics.SCORER_BATCH_ROWS.create(registry)
        self.reloads: Any = metrics.SCORER_MODEL_RELOADS.create(registry)
        self.model_info: Any = metrics.MODEL_INFO.create(registry)
        for result in metrics.RELOAD_RESULTS:
            self.reloads.labels(result=result)  # exported at zero before the first reload


@dataclass
class ScorerState:
    settings: ScorerSettings
    holder: ModelHolder
    redis: RedisClient
    store: FeatureStore
    metrics: ScorerMetrics

    def infer(self, rows: Any, engine: Engine = "onnx") -> list[Verdict]:
        model = self.holder.current  # one reference for the whole call, whatever reloads do
        began = time.perf_counter()
        exact = self.settings.reason_codes == "exact"
        result = verdicts(model, rows, engine, exact_reasons=exact)
        self.metrics.inference.observe(time.perf_counter() - began)
        return result

    def record_reload(self, ok: bool) -> None:
        ok_result, refused = metrics.RELOAD_RESULTS
        self.metrics.reloads.labels(result=ok_result if ok else refused).inc()
        if ok:
            self.metrics.model_info.info(
                {"version": self.holder.current.version, "features": str(len(FEATURE_NAMES))}
            )


def get_state(request: Request) -> ScorerState:
    state: ScorerState = request.app.state.scorer
    return state
