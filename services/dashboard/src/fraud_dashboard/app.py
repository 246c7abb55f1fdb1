"""``create_app()``: the live dashboard: static page, read-only JSON API and the SSE stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from redis.exceptions import RedisError

from fraud_dashboard.auth.identity import optional_identity, writable
from fraud_dashboard.decision_log import LogNotConfiguredError, LogUnavailableError
from fraud_dashboard.model_desk import RegistryMissingError
from fraud_dashboard.routes import (
    cards,
    decisions,
    live,
    models,
    operations,
    pages,
    queue,
    rules,
    search,
    session,
    stream,
    verdicts,
)
from fraud_dashboard.routes.pages import STATIC
from fraud_dashboard.settings import DashboardSettings
from fraud_dashboard.state import DashboardState

# Our own origin only and no inline script or style: injected markup could not run anything.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
READ_METHODS = ("GET", "HEAD")


def create_app(settings: DashboardSettings | None = None) -> FastAPI:
    state = DashboardState.build(settings or DashboardSettings())

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tasks = [
            asyncio.create_task(state.hub.run()),
            asyncio.create_task(state.hub.run_summaries(state.tracker)),
            asyncio.create_task(state.quality.run()),
        ]
        yield
        for task in tasks:
            task.cancel()
        await state.redis.close()
        await asyncio.to_thread(state.cases.close)
        await asyncio.to_thread(state.decision_log.close)
        await asyncio.to_thread(state.rules.close)

    app = FastAPI(
        title="fraud-dashboard",
        version="1",
        summary="Live map, figures, alert feed, review queue and analysts' verdicts.",
        lifespan=lifespan,
    )
    app.state.dashboard = state

    @app.middleware("http")
    async def read_only_and_secure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.method not in READ_METHODS and not writable(request.url.path):
            response: Response = JSONResponse(
                {"detail": f"{request.method} not allowed: the dashboard is read only"},
                status_code=405,
                headers={"Allow": ", ".join(READ_METHODS)},
            )
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(RedisError)
    async def redis_down(_: Request, error: RedisError) -> JSONResponse:
        detail = f"live data unavailable ({type(error).__name__}); retry later"
        return JSONResponse({"detail": detail}, status_code=503)

    @app.exception_handler(LogNotConfiguredError)
    @app.exception_handler(LogUnavailableError)
    @app.exception_handler(RegistryMissingError)
    async def decision_log_down(_: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=503)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    app.include_router(pages.router)  # the pages themselves are open; their data is not
    # Everything a visitor reads needs a signed-in user when DASHBOARD_REQUIRE_SIGN_IN is set.
    reads = [Depends(optional_identity)]
    app.include_router(live.router, dependencies=reads)
    app.include_router(stream.router, dependencies=reads)
    app.include_router(decisions.router, dependencies=reads)
    app.include_router(queue.router, dependencies=reads)
    app.include_router(search.router, dependencies=reads)
    app.include_router(cards.router, dependencies=reads)
    app.include_router(verdicts.router)
    app.include_router(session.router)
    app.include_router(operations.router)
    app.include_router(rules.router)
    app.include_router(models.router)
    return app
