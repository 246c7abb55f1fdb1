"""The drain rate's clock: it starts at the first payment scored, and a backlog drained between
two polls still gives a rate instead of nothing."""

import itertools

import pytest

from fraud_bench.pipeline_runs import drain_rate


def counter(*counts: int):
    values = itertools.chain(counts, itertools.repeat(counts[-1]))
    return lambda: next(values)


def test_payments_scored_before_the_clock_started_are_not_counted() -> None:
    rate = drain_rate(counter(10, 10, 10, 510, 1010, 1510), 10, 1510, timeout_s=5, every_s=0.01)
    # 1,000 payments over the two polls after the first one that saw any: about 0.02 s
    assert 1_000 / 0.1 < rate < 1_000 / 0.015


def test_a_backlog_drained_between_two_polls_is_timed_from_the_last_idle_poll() -> None:
    rate = drain_rate(counter(0, 0, 1_000), 0, 1_000, timeout_s=5, every_s=0.01)
    assert 1_000 / 0.1 < rate < 1_000 / 0.005


def test_a_drain_that_never_starts_says_so() -> None:
    with pytest.raises(TimeoutError, match="did not start"):
        drain_rate(counter(0), 0, 10, timeout_s=0.05)


def test_a_drain_that_stalls_says_where() -> None:
    with pytest.raises(TimeoutError, match="at 5"):
        drain_rate(counter(0, 5), 0, 10, timeout_s=0.05)
