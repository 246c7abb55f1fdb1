"""What every long-running worker needs: a stop event wired to SIGTERM/SIGINT that also tells
whether the worker loop still turns, and a small HTTP endpoint with /metrics, /healthz and
/readyz for Prometheus and Kubernetes probes."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from fraudcore.kafka_client import metadata_check
from fraudcore.settings import KafkaSettings, MetricsSettings

log = logging.getLogger(__name__)

Check = Callable[[], tuple[bool, str]]


class LoopWatch(threading.Event):
    """The stop event a worker loop checks on every turn; each check is a sign of life.

    Worker loops already ask ``is_set()`` (or ``wait()`` briefly) once per turn, so the time
    since the last such call is how long the loop has been stuck, e.g. in a call that never
    returns. Only the loop's own thread may call these, or it would vouch for a dead loop.
    """

    def __init__(self) -> None:
        super().__init__()
        self._turned = time.monotonic()
        self._stall_requested = False

    def is_set(self) -> bool:
        self._hold_if_stalled()
        self._turned = time.monotonic()
        return super().is_set()

    def wait(self, timeout: float | None = None) -> bool:
        self._hold_if_stalled()
        self._turned = time.monotonic()
        stopped = super().wait(timeout)
        self._turned = time.monotonic()
        return stopped

    def request_stall(self) -> None:
        """Test hook: the loop's next turn blocks (without a sign of life) until stopped."""
        self._stall_requested = True

    def _hold_if_stalled(self) -> None:
        if self._stall_requested:
            self._stall_requested = False
            log.warning("test hook: the worker loop stalls until the worker is stopped")
            super().wait()

    def stalled_for(self) -> float:
        return time.monotonic() - self._turned

    def liveness(self, max_stall_s: float) -> Check:
        def check() -> tuple[bool, str]:
            stalled = self.stalled_for()
            if stalled > max_stall_s:
                return False, f"stalled: the worker loop has not turned for {stalled:.0f} s"
            return True, "ok"

        return check


def stop_on_signals() -> LoopWatch:
    """An event set by SIGTERM or SIGINT: the worker finishes its batch, commits and exits."""
    stop = LoopWatch()

    def handler(signum: int, _frame: object) -> None:
        log.info("received %s, stopping after the current batch", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def all_of(*checks: Check) -> Check:
    """Passes when every check passes; otherwise the first failure's detail."""

    def check() -> tuple[bool, str]:
        details = []
        for one in checks:
            ok, detail = one()
            if not ok:
                return False, detail
            details.append(detail)
        return True, "; ".join(details)

    return check


def serve_operations(
    host: str,
    port: int,
    ready: Check = lambda: (True, "ready"),
    registry: CollectorRegistry = REGISTRY,
    alive: Check = lambda: (True, "ok"),
) -> ThreadingHTTPServer:
    """Serve /metrics, /healthz (``alive``) and /readyz (``ready``) from a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path in ("/healthz", "/readyz"):
                ok, detail = (alive if path == "/healthz" else ready)()
                self._send(200 if ok else 503, f"{detail}\n".encode(), "text/plain")
            else:
                self._send(404, b"not found: try /metrics, /healthz or /readyz\n", "text/plain")

        def _send(self, code: int, body: bytes, content_type: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # probes every few seconds would flood the log

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="operations-http", daemon=True).start()
    return server


def serve_worker_probes(
    settings: MetricsSettings,
    kafka: KafkaSettings,
    topics: tuple[str, ...],
    ready: Check,
    stop: LoopWatch,
) -> ThreadingHTTPServer | None:
    """A Kafka worker's endpoint: ready while Kafka serves its topics and ``ready`` passes,
    alive while its loop turned within WORKER_STALL_TIMEOUT_S. None when METRICS_PORT is 0.
    With WORKER_TEST_STALL_HOOK, SIGUSR1 stalls the loop (end-to-end liveness tests)."""
    if settings.worker_test_stall_hook:
        signal.signal(signal.SIGUSR1, lambda _signum, _frame: stop.request_stall())
    if not settings.metrics_port:
        return None
    return serve_operations(
        settings.metrics_host,
        settings.metrics_port,
        all_of(metadata_check(kafka, topics), ready),
        alive=stop.liveness(settings.worker_stall_timeout_s),
    )
