"""``fraud-models webhook``: an Alertmanager webhook receiver that starts a retrain when a drift
alert fires. POST /alerts with ``Authorization: Bearer <RETRAIN_WEBHOOK_TOKEN>`` and
Alertmanager's JSON; GET /healthz. One retrain at a time, and none sooner than
RETRAIN_MIN_INTERVAL_S after the last began (Alertmanager repeats a firing alert)."""

from __future__ import annotations

import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger(__name__)
DRIFT_ALERTS = ("FraudScoreDrift", "FraudFeatureDrift")  # fraud_monitoring.alerts' names
MAX_BODY = 1 << 20  # Alertmanager groups are kilobytes; anything larger is not one


class Trigger:
    """Runs ``retrain(reason)`` on a thread of its own, once at a time, spaced out."""

    def __init__(self, retrain: Callable[[str], Any], min_interval_s: float) -> None:
        self.retrain, self.min_interval_s = retrain, min_interval_s
        self.lock = threading.Lock()
        self.running: threading.Thread | None = None
        self.last_start: float | None = None
        self.runs = 0

    def fire(self, reason: str) -> str:
        with self.lock:
            if self.running is not None and self.running.is_alive():
                return "a retrain is running"
            now = time.monotonic()
            if self.last_start is not None and now - self.last_start < self.min_interval_s:
                return f"the last retrain began {now - self.last_start:.0f} s ago"
            self.last_start, self.runs = now, self.runs + 1
            self.running = threading.Thread(target=self._run, args=(reason,), daemon=True)
            self.running.start()
            return "retrain started"

    def _run(self, reason: str) -> None:
        try:
            self.retrain(reason)
        except Exception:  # the receiver lives on: the next alert may start another
            log.exception("retrain (%s) failed", reason)

    def wait(self, timeout_s: float | None = None) -> None:
        running = self.running
        if running is not None:
            running.join(timeout_s)


def firing_drift(payload: Any) -> list[str]:
    """The drift alerts firing in an Alertmanager payload, as ``name{feature}``."""
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise ValueError("not an Alertmanager webhook payload: no alerts list")
    found = []
    for alert in payload["alerts"]:
        labels = alert.get("labels") if isinstance(alert, dict) else None
        if not isinstance(labels, dict) or alert.get("status") != "firing":
            continue
        if labels.get("alertname") in DRIFT_ALERTS:
            feature = labels.get("feature")
            found.append(labels["alertname"] + (f"{{{feature}}}" if feature else ""))
    return sorted(set(found))


def handler(token: str, trigger: Trigger) -> type[BaseHTTPRequestHandler]:
    expected = f"Bearer {token}".encode()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._reply(HTTPStatus.OK, {"status": "ok", "retrains": trigger.runs})
            else:
                self._reply(HTTPStatus.NOT_FOUND, {"error": "GET /healthz or POST /alerts"})

        def do_POST(self) -> None:
            self._reply(*self._answer())

        def _answer(self) -> tuple[HTTPStatus, dict[str, Any]]:
            if self.path != "/alerts":
                return HTTPStatus.NOT_FOUND, {"error": "POST /alerts"}
            given = self.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return HTTPStatus.UNAUTHORIZED, {"error": "bearer token required"}
            length = self.headers.get("Content-Length", "")
            if not length.isdigit() or int(length) > MAX_BODY:
                problem = f"a Content-Length of at most {MAX_BODY} bytes is required"
                return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": problem}
            try:
                alerts = firing_drift(json.loads(self.rfile.read(int(length))))
            except ValueError as error:  # JSONDecodeError included
                return HTTPStatus.BAD_REQUEST, {"error": str(error)}
            if not alerts:
                return HTTPStatus.OK, {"retrain": "no drift alert firing"}
            outcome = trigger.fire("alert " + ", ".join(alerts))
            return HTTPStatus.ACCEPTED, {"retrain": outcome, "alerts": alerts}

        def log_message(self, format: str, *args: Any) -> None:
            log.info("%s %s", self.address_string(), format % args)

    return Handler


def serve(port: int, token: str, trigger: Trigger, host: str = "0.0.0.0") -> ThreadingHTTPServer:  # noqa: S104 -- a pod's port
    """The receiver, listening (call ``serve_forever`` or run it on a thread)."""
    if len(token) < 16:
        raise ValueError("RETRAIN_WEBHOOK_TOKEN: at least 16 characters")
    return ThreadingHTTPServer((host, port), handler(token, trigger))
