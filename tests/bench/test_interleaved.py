"""Two variants interleaved in one window: turns alternate, each payment counts for the variant
in force when it was decided (none around a switch), and the paired bootstrap finds a shift
that is there and no shift where there is none."""

import datetime as dt
import time

import numpy as np
import pytest

from fraud_bench import interleaved
from fraud_bench.interleaved import (
    SETTLE_S,
    Segment,
    alternate,
    attribute,
    cycles_of,
    nearest_rank,
    paired_difference,
)
from fraud_bench.stats import percentile
from fraudcore.schemas import format_time

T0 = 1_800_000_000.0  # a wall-clock second


def record(at: float, e2e_ms: float) -> dict:
    scored_at = format_time(dt.datetime.fromtimestamp(at, dt.UTC))
    return {"scored_at": scored_at, "timings": {"end_to_end_ms": e2e_ms}}


@pytest.mark.parametrize("size", [1, 2, 7, 100, 1_001])
@pytest.mark.parametrize("q", [50.0, 99.0, 99.9])
def test_the_nearest_rank_is_the_reports_percentile(size: int, q: float) -> None:
    values = np.random.default_rng(size).exponential(5.0, size)
    assert nearest_rank(values, q) == percentile(values.tolist(), q)


def test_a_payment_counts_for_the_turn_it_was_decided_in_and_none_around_a_switch() -> None:
    segments = [
        Segment("a", T0, T0 + 1.0, T0 + 5.0),
        Segment("b", T0 + 5.0, T0 + 6.5, T0 + 10.0),
    ]
    records = [
        record(T0 - 1.0, 1.0),  # before the first turn
        record(T0 + 0.5, 2.0),  # the switch not seen yet
        record(T0 + 1.0, 3.0),
        record(T0 + 4.9, 4.0),
        record(T0 + 5.5, 5.0),  # the next switch requested, not seen
        record(T0 + 6.5, 6.0),
        record(T0 + 10.0, 7.0),  # after the last turn
    ]
    assert attribute(records, segments) == [[3.0, 4.0], [6.0]]


def test_turns_alternate_and_count_from_the_switch_seen_plus_the_settling() -> None:
    seen: list[str] = []

    def switch(variant: str) -> float:
        seen.append(variant)
        return time.time()

    began = time.time()
    segments = alternate(switch, ["a", "b"], 0.02, began + 0.11)
    assert seen == [s.variant for s in segments] == ["a", "b", "a", "b", "a"][: len(segments)]
    assert len(segments) >= 3
    for segment in segments:
        assert segment.requested <= segment.counted_from - SETTLE_S <= segment.until
        assert segment.until >= segment.requested + 0.02
    assert segments[-1].until <= began + 0.11 + 0.05


def test_a_cycle_with_an_empty_turn_is_left_out() -> None:
    segments = [Segment(v, T0, T0, T0) for v in ("a", "b", "a", "b", "a")]
    cycles = cycles_of(segments, [[1.0], [2.0], [], [3.0], [4.0]], ["a", "b"])
    assert [(a.tolist(), b.tolist()) for a, b in cycles] == [([1.0], [2.0])]


def heavy_tailed(rng: np.random.Generator, size: int) -> np.ndarray:
    """Latencies as this machine gives them: a body of a few ms and rare stalls of tens."""
    body = rng.gamma(4.0, 1.0, size)
    stalled = rng.random(size) < 0.02
    return body + stalled * rng.exponential(20.0, size)


def test_the_bootstrap_finds_a_shift_that_is_there() -> None:
    rng = np.random.default_rng(1)
    cycles = [(heavy_tailed(rng, 2_000), heavy_tailed(rng, 2_000) + 2.0) for _ in range(40)]
    added = paired_difference(cycles, 99.0, replicates=300)
    assert 0.0 < added["low_ms"] <= 2.0 <= added["high_ms"], added


def test_the_bootstrap_interval_covers_zero_where_there_is_no_shift() -> None:
    rng = np.random.default_rng(2)
    cycles = [(heavy_tailed(rng, 2_000), heavy_tailed(rng, 2_000)) for _ in range(40)]
    added = paired_difference(cycles, 99.0, replicates=300)
    assert added["low_ms"] < 0.0 < added["high_ms"], added


def test_the_bootstrap_is_reproducible() -> None:
    rng = np.random.default_rng(3)
    cycles = [(heavy_tailed(rng, 500), heavy_tailed(rng, 500)) for _ in range(10)]
    assert paired_difference(cycles, 50.0, replicates=100) == paired_difference(
        cycles, 50.0, replicates=100
    )


def test_plans_leave_a_turn_room_after_the_consumer_takes_a_switch_up() -> None:
    # The consumer polls its rules every second: a turn must outlast that and the settling.
    for plan in (interleaved.QUICK, interleaved.FULL):
        assert plan.segment_s > 1.0 + SETTLE_S
        assert plan.seconds >= 4 * plan.segment_s
