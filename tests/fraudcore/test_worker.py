"""Liveness of a worker: /healthz fails once the worker loop stops turning, not before."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from fraud_devstack.processes import free_port
from fraudcore.settings import KafkaSettings, MetricsSettings
from fraudcore.worker import LoopWatch, all_of, serve_operations, serve_worker_probes

STALL_S = 1.0  # wide enough that a loaded machine's slow HTTP answer is not a stall


@pytest.fixture
def watched() -> Iterator[tuple[LoopWatch, int]]:
    watch = LoopWatch()
    port = free_port()
    server = serve_operations("127.0.0.1", port, alive=watch.liveness(max_stall_s=STALL_S))
    try:
        yield watch, port
    finally:
        server.shutdown()


HttpGet = Callable[[int, str], tuple[int, str]]


def test_healthz_passes_while_the_loop_turns(
    watched: tuple[LoopWatch, int], http_get: HttpGet
) -> None:
    watch, port = watched
    done = threading.Event()

    def loop() -> None:  # the shape of every worker loop: check the stop event each turn
        while not watch.is_set() and not done.is_set():
            watch.wait(0.05)

    worker = threading.Thread(target=loop)
    worker.start()
    try:
        for _ in range(5):
            time.sleep(0.15)
            assert http_get(port, "/healthz") == (200, "ok\n")
    finally:
        done.set()
        worker.join()


def test_healthz_fails_when_the_loop_has_stalled(
    watched: tuple[LoopWatch, int], http_get: HttpGet
) -> None:
    """The old endpoint answered 200 whatever the loop did; a hung loop must fail liveness."""
    watch, port = watched
    watch.is_set()
    assert http_get(port, "/healthz")[0] == 200
    time.sleep(STALL_S + 0.3)  # the loop is stuck somewhere: nobody checks the stop event
    status, body = http_get(port, "/healthz")
    assert status == 503
    assert "has not turned for" in body
    watch.is_set()  # the loop turns again
    assert http_get(port, "/healthz")[0] == 200


def test_readiness_needs_every_check() -> None:
    ready = all_of(lambda: (True, "kafka: ok"), lambda: (True, "consuming"))
    assert ready() == (True, "kafka: ok; consuming")
    blocked = all_of(lambda: (False, "kafka: no metadata"), lambda: (True, "consuming"))
    assert blocked() == (False, "kafka: no metadata")


def test_the_stop_event_still_stops() -> None:
    watch = LoopWatch()
    assert not watch.is_set()
    watch.set()
    assert watch.is_set()
    assert watch.wait(0)


def test_the_stall_hook_holds_the_loop_until_stopped(
    watched: tuple[LoopWatch, int], http_get: HttpGet
) -> None:
    """The end-to-end liveness test's hook: a stalled loop shows no sign of life, so /healthz
    fails; stopping the worker still ends it."""
    watch, port = watched
    turns: list[float] = []

    def loop() -> None:
        while not watch.is_set():
            turns.append(time.monotonic())
            watch.wait(0.05)

    worker = threading.Thread(target=loop)
    worker.start()
    try:
        time.sleep(0.2)
        assert http_get(port, "/healthz")[0] == 200
        watch.request_stall()
        time.sleep(0.2)
        stalled_at = len(turns)
        time.sleep(STALL_S + 0.3)
        assert len(turns) == stalled_at  # not one more turn
        assert http_get(port, "/healthz")[0] == 503
    finally:
        watch.set()
        worker.join(timeout=5)
    assert not worker.is_alive()


def _worker_settings(hook: bool) -> MetricsSettings:
    return MetricsSettings(metrics_port=0, worker_test_stall_hook=hook)


def test_sigusr1_stalls_the_loop_only_with_the_hook_on() -> None:
    kafka = KafkaSettings(kafka_bootstrap_servers="127.0.0.1:9")
    original = signal.getsignal(signal.SIGUSR1)
    try:
        serve_worker_probes(_worker_settings(False), kafka, (), lambda: (True, ""), LoopWatch())
        assert signal.getsignal(signal.SIGUSR1) == original  # off: no handler, nothing changes
        watch = LoopWatch()
        serve_worker_probes(_worker_settings(True), kafka, (), lambda: (True, ""), watch)
        signal.raise_signal(signal.SIGUSR1)
        worker = threading.Thread(target=watch.is_set)
        worker.start()
        worker.join(timeout=0.3)
        assert worker.is_alive()  # the loop's next turn holds
        watch.set()
        worker.join(timeout=5)
        assert not worker.is_alive()
    finally:
        signal.signal(signal.SIGUSR1, original)
