import gc
import logging
import time

import pytest

from fraud_consumer.loop_trace import LoopTrace


def slow_pass(trace: LoopTrace, *, poll_s: float, work_s: float, collect: bool = False) -> None:
    trace.begin()
    with trace.phase("poll"):
        time.sleep(poll_s)
    with trace.phase("process"):
        time.sleep(work_s)
        if collect:
            gc.collect(0)
    trace.end()


def test_a_pass_slower_than_the_threshold_is_logged_by_phase_with_its_gc(
    caplog: pytest.LogCaptureFixture,
) -> None:
    trace = LoopTrace(threshold_ms=5)
    try:
        with caplog.at_level(logging.INFO, logger="fraud_consumer.loop_trace"):
            slow_pass(trace, poll_s=0, work_s=0.01, collect=True)
    finally:
        trace.close()
    [line] = caplog.messages
    assert line.startswith("slow pass ")
    assert "process=" in line
    assert "poll=" in line
    # The forced collection of generation 0, and any the interpreter ran itself meanwhile.
    assert 0 in trace.gc_generations
    assert f"(generations {trace.gc_generations})" in line
    assert trace.gc_ns > 0


def test_waiting_in_the_poll_is_not_a_slow_pass(caplog: pytest.LogCaptureFixture) -> None:
    trace = LoopTrace(threshold_ms=5)
    try:
        with caplog.at_level(logging.INFO, logger="fraud_consumer.loop_trace"):
            slow_pass(trace, poll_s=0.02, work_s=0)
    finally:
        trace.close()
    assert caplog.messages == []


def test_off_by_default_it_neither_times_nor_hooks_the_collector(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hooks = len(gc.callbacks)
    trace = LoopTrace(threshold_ms=0)
    with caplog.at_level(logging.INFO, logger="fraud_consumer.loop_trace"):
        slow_pass(trace, poll_s=0, work_s=0.01)
    assert (len(gc.callbacks), trace.phases, caplog.messages) == (hooks, {}, [])
