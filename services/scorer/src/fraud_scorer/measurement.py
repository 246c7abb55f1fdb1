"""Per-request latency and status metrics, and the per-client rate limit, as plain ASGI
middleware (Starlette's BaseHTTPMiddleware costs a task and a stream per request)."""

from __future__ import annotations

import time

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fraud_scorer.guards import RateLimiter
from fraud_scorer.state import ScorerMetrics


class MeasureRequests:
    def __init__(self, app: ASGIApp, metrics: ScorerMetrics, rate_limit_rps: float) -> None:
        self.app = app
        self.metrics = metrics
        self.limiter = RateLimiter(rate_limit_rps) if rate_limit_rps else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.limiter and scope["path"].startswith("/v1/"):
            client = scope["client"][0] if scope.get("client") else "-"
            if not self.limiter.allow(client):
                response = JSONResponse({"detail": "rate limit exceeded; slow down"}, 429)
                await response(scope, receive, send)
                return
        began = time.perf_counter()
        status = 500  # what the client sees when the application fails before answering

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            # The router records the matched route in the scope it shares with us.
            endpoint = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(endpoint=endpoint).observe(time.perf_counter() - began)
            self.metrics.requests.labels(endpoint=endpoint, status=str(status)).inc()
