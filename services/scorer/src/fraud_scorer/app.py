"""``create_app()``: the scoring API with its model, feature store, guards and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry
from redis import RedisError

from fraud_scorer.guards import BodySizeLimit, api_key_checker
from fraud_scorer.measurement import MeasureRequests
from fraud_scorer.model_holder import ModelHolder
from fraud_scorer.routes import model, operations, scoring
from fraud_scorer.served import ServedModels
from fraud_scorer.settings import ScorerSettings
from fraud_scorer.state import ScorerMetrics, ScorerState
from fraudcore.decision_log.rules_in_force import RulesUnavailableError, rule_source
from fraudcore.feature_store import FeatureStore
from fraudcore.model import ModelMismatchError
from fraudcore.redis_client import connect
from fraudcore.redis_keys import RedisKeys

log = logging.getLogger(__name__)
WATCH_INTERVAL_S = 2.0
RULES_APPLICATION = "fraud-scorer-rules"


async def _watch(state: ScorerState, holder: ModelHolder) -> None:
    """Reload when the artifact files change on disk (a new model rolled out on a volume)."""
    while True:
        await asyncio.sleep(WATCH_INTERVAL_S)
        try:
            if await run_in_threadpool(holder.reload_if_changed) is not None:
                state.record_reload(True)
        except (ModelMismatchError, ValueError, OSError) as error:
            log.error("model change refused, previous model kept: %s", error)
            state.record_reload(False)


def _build_state(settings: ScorerSettings) -> ScorerState:
    client = connect(settings)
    store = FeatureStore(client, RedisKeys(settings.redis_key_prefix))  # read only: no TTL
    return ScorerState(
        settings=settings,
        models=ServedModels(settings),
        redis=client,
        store=store,
        metrics=ScorerMetrics(CollectorRegistry()),
    )


def create_app(settings: ScorerSettings | None = None) -> FastAPI:
    settings = settings or ScorerSettings()
    state = _build_state(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(state.models.start)
        # The rules the consumers decide with: the database's, followed the same way.
        state.rules = rule_source(settings.database(), settings.rules_poll_s, RULES_APPLICATION)
        holder = state.models.holder  # None: the registry's watcher follows it instead
        watcher = None
        if holder is not None:
            state.record_reload(True)
            if settings.model_watch:
                watcher = asyncio.create_task(_watch(state, holder))
        yield
        if watcher:
            watcher.cancel()
        state.models.close()
        state.rules.close()
        state.redis.close()

    app = FastAPI(
        title="fraud-scorer",
        version="1",
        summary="Scores card payments with the fraud model: single, batch, model management.",
        lifespan=lifespan,
    )
    app.state.scorer = state
    app.add_middleware(BodySizeLimit, limit=settings.scorer_max_body_bytes)
    app.add_middleware(
        MeasureRequests, metrics=state.metrics, rate_limit_rps=settings.scorer_rate_limit_rps
    )
    key = settings.scorer_api_key.get_secret_value() if settings.scorer_api_key else None
    guarded = [Depends(api_key_checker(key))]
    app.include_router(scoring.router, dependencies=guarded)
    app.include_router(model.router)
    app.include_router(model.admin_router, dependencies=guarded)
    app.include_router(operations.router)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        # Location, message and type per field; the offending input is not echoed back (it may
        # be huge, or NaN, which JSON cannot carry).
        detail = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(RedisError)
    async def redis_down(_: Request, error: RedisError) -> JSONResponse:
        log.warning("feature store unavailable: %s", error)
        return JSONResponse(
            {"detail": f"feature store unavailable ({type(error).__name__}); retry later"},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(RulesUnavailableError)
    async def rules_unread(_: Request, error: RulesUnavailableError) -> JSONResponse:
        log.warning("%s", error)  # never decided without the rules in force
        return JSONResponse(
            {"detail": f"rules in force not read yet ({error}); retry later"},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    return app
