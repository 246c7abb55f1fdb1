"""Liveness of a worker: /healthz fails once the worker loop stops turning, not before."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from fraud_devstack.processes import free_port
from fraudcore.worker import LoopWatch, all_of, serve_operations


@pytest.fixture
def watched() -> Iterator[tuple[LoopWatch, int]]:
    watch = LoopWatch()
    port = free_port()
    server = serve_operations("127.0.0.1", port, alive=watch.liveness(max_stall_s=0.3))
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
    time.sleep(0.5)  # the loop is stuck somewhere: nobody checks the stop event
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
