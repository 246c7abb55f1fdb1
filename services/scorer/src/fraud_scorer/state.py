"""What the routes share: settings, the served models, the feature store, metrics."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from prometheus_client import CollectorRegistry

from fraud_scorer.served import ServedModels
from fraud_scorer.settings import ScorerSettings
from fraudcore import metrics
from fraudcore.decision_log.rules_in_force import BuiltinRules, LoadedRules, RuleSource
from fraudcore.feature_store import FeatureStore
from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.redis_client import RedisClient
from fraudcore.schemas import Transaction
from fraudcore.scoring import Engine, Verdict, decided_verdicts


class ScorerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.latency: Any = metrics.SCORER_REQUEST_LATENCY.create(registry)
        self.requests: Any = metrics.SCORER_REQUESTS.create(registry)
        self.inference: Any = metrics.SCORER_INFERENCE_LATENCY.create(registry)
        self.batch_rows: Any = metrics.SCORER_BATCH_ROWS.create(registry)
        self.reloads: Any = metrics.SCORER_MODEL_RELOADS.create(registry)
        self.model_info: Any = metrics.MODEL_INFO.create(registry)
        self.serving: Any = metrics.SCORER_SERVING_MODELS.create(registry)
        self.model_rows: Any = metrics.SCORER_MODEL_ROWS.create(registry)
        for result in metrics.RELOAD_RESULTS:
            self.reloads.labels(result=result)  # exported at zero before the first reload


@dataclass
class ScorerState:
    settings: ScorerSettings
    models: ServedModels
    redis: RedisClient
    store: FeatureStore
    metrics: ScorerMetrics
    # The rules in force (the database's when DATABASE_URL is set): replaced at startup.
    rules: RuleSource = field(default_factory=BuiltinRules)

    def infer(
        self,
        model: ModelBundle,
        rows: Any,
        rules: LoadedRules,
        *,
        payments: Sequence[Transaction] | None = None,
        engine: Engine = "onnx",
        role: str = "champion",
    ) -> list[Verdict]:
        """Verdicts decided by ``model`` and ``rules`` (taken once per request; its lists as
        of now: expiries are operators' wall-clock times, as in the consumer)."""
        began = time.perf_counter()
        exact = self.settings.reason_codes == "exact"
        lists = rules.lists.snapshot(time.time())
        result = decided_verdicts(
            model, rows, rules.rules, lists, payments=payments, engine=engine, exact_reasons=exact
        )
        self.metrics.inference.observe(time.perf_counter() - began)
        self.metrics.model_rows.labels(model_version=model.version, role=role).inc(len(result))
        return result

    def record_reload(self, ok: bool) -> None:
        ok_result, refused = metrics.RELOAD_RESULTS
        self.metrics.reloads.labels(result=ok_result if ok else refused).inc()

    def export_serving(self) -> None:
        """The serving versions as gauges, as of this scrape (a switch needs no hook)."""
        serving = self.models.serving()
        self.metrics.model_info.info(
            {"version": serving.champion.version, "features": str(len(FEATURE_NAMES))}
        )
        self.metrics.serving.clear()
        self.metrics.serving.labels(role="champion", model_version=serving.champion.version).set(1)
        if serving.challenger is not None:
            challenger = serving.challenger.version
            self.metrics.serving.labels(role="challenger", model_version=challenger).set(1)


async def get_state(request: Request) -> ScorerState:
    # async: FastAPI runs a plain def dependency in a worker thread, a hand-off per request
    state: ScorerState = request.app.state.scorer
    return state
