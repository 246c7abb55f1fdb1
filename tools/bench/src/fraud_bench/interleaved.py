"""Two variants of one running pipeline interleaved inside one long window at one rate: the
variant switched live every few seconds while a single load generator runs, each payment
counted for the variant in force when it was decided, and the variants' pooled quantiles
compared with a paired bootstrap over the switch cycles.

Windows of 10 s alternated round after round (``fraud_bench.variants``) cannot resolve a
difference of 1 ms at the p99 here: a window's p99 moves by tens of ms with the machine's
phases (the broker's collector, neighbours on two shared cores), and the median of 24 paired
rounds still had an interval 7 ms wide. Switched every few seconds, both variants share every
phase of the machine many times over. Payments decided between a switch's request and the
moment the consumer is seen running the new variant (plus ``SETTLE_S``, the queue left by the
switch itself) are no variant's."""

from __future__ import annotations

import bisect
import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fraud_bench.pipeline_runs import ModeBench
from fraud_bench.variants import RATE

SETTLE_S = 0.5  # after a switch is seen: its batches' queue drains before payments count
REPLICATES = 2_000  # bootstrap resamples of the cycles
CONFIDENCE = 0.95
QUANTILES = (50.0, 99.0)
Switch = Callable[[str], float]  # puts a variant in force; the wall-clock time it was seen so


@dataclass(frozen=True)
class InterleavePlan:
    seconds: float  # the one window's length
    segment_s: float  # a variant's turn, from one switch request to the next


QUICK = InterleavePlan(seconds=16.0, segment_s=2.0)
FULL = InterleavePlan(seconds=720.0, segment_s=6.0)


@dataclass(frozen=True)
class Segment:
    """A variant's turn: payments decided in [counted_from, until) count for it."""

    variant: str
    requested: float  # wall clock (time.time())
    counted_from: float
    until: float


def alternate(
    switch: Switch, variants: Sequence[str], segment_s: float, until: float
) -> list[Segment]:
    """The variants in turn, one ``segment_s`` turn each, until the wall clock ``until``."""
    segments: list[Segment] = []
    while (requested := time.time()) + segment_s <= until:
        variant = variants[len(segments) % len(variants)]
        seen = switch(variant)
        time.sleep(max(0.0, requested + segment_s - time.time()))
        segments.append(Segment(variant, requested, seen + SETTLE_S, time.time()))
    return segments


def decided_at(record: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(record["scored_at"]).timestamp()


def attribute(records: Sequence[dict[str, Any]], segments: Sequence[Segment]) -> list[list[float]]:
    """Each segment's end-to-end latencies (ms): the records decided within its counted span;
    records decided elsewhere (around a switch, before the first, after the last) are left out."""
    starts = [segment.counted_from for segment in segments]
    latencies: list[list[float]] = [[] for _ in segments]
    for record in records:
        at = decided_at(record)
        i = bisect.bisect_right(starts, at) - 1
        if i >= 0 and at < segments[i].until:
            latencies[i].append(record["timings"]["end_to_end_ms"])
    return latencies


def nearest_rank(values: npt.NDArray[np.float64], q: float) -> float:
    """``fraud_bench.stats.percentile`` (nearest rank), by partition instead of a sort."""
    if len(values) == 0:
        return float("nan")
    rank = max(0, min(len(values) - 1, round(q / 100 * len(values) + 0.5) - 1))
    return float(np.partition(values, rank)[rank])


def paired_difference(
    cycles: Sequence[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    q: float,
    *,
    replicates: int = REPLICATES,
    seed: int = 0,
) -> dict[str, float]:
    """The second variant's pooled ``q`` quantile minus the first's over the cycles (a turn of
    each), and its bootstrap interval: cycles resampled with replacement, so a phase of the
    machine stays with the turns it fell on."""
    first = np.concatenate([a for a, _ in cycles])
    second = np.concatenate([b for _, b in cycles])
    observed = nearest_rank(second, q) - nearest_rank(first, q)
    rng = np.random.default_rng(seed)
    drawn = []
    for _ in range(replicates):
        chosen = rng.integers(0, len(cycles), len(cycles))
        a = np.concatenate([cycles[i][0] for i in chosen])
        b = np.concatenate([cycles[i][1] for i in chosen])
        drawn.append(nearest_rank(b, q) - nearest_rank(a, q))
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(drawn, [tail, 100 - tail])
    return {"difference_ms": round(observed, 3), "low_ms": round(float(low), 3),
            "high_ms": round(float(high), 3)}  # fmt: skip


def cycles_of(
    segments: Sequence[Segment], latencies: Sequence[Sequence[float]], variants: Sequence[str]
) -> list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]:
    """Consecutive turns of the first and second variant, in the order they ran; a cycle with
    an empty turn (a switch seen late) is left out."""
    cycles = []
    for i in range(0, len(segments) - 1, 2):
        assert (segments[i].variant, segments[i + 1].variant) == tuple(variants)
        a, b = (np.asarray(latencies[j], dtype=np.float64) for j in (i, i + 1))
        if len(a) and len(b):
            cycles.append((a, b))
    return cycles


def _turn(segment: Segment, payments: int) -> dict[str, Any]:
    """A turn as the report keeps it: its times to the millisecond, the payments it counted."""
    times = {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(segment).items()}
    return {**times, "payments": payments}


def interleave(
    bench: ModeBench, variants: Sequence[str], switch: Switch, plan: InterleavePlan, run_id: str
) -> dict[str, Any]:
    """One window of ``plan.seconds`` at RATE with ``variants`` (two) in turn; per variant its
    pooled quantiles, and the second's minus the first's with bootstrap intervals."""
    segments: list[Segment] = []

    def turns() -> None:  # as the load generator's first payment leaves
        segments.extend(alternate(switch, variants, plan.segment_s, time.time() + plan.seconds))

    window = bench.at_rate(RATE, plan.seconds, RATE * 10.0, run_id=run_id, on_clock=turns)
    records = bench.records().get(run_id, [])
    latencies = attribute(records, segments)
    cycles = cycles_of(segments, latencies, variants)
    pooled = {
        variant: np.concatenate([c[k] for c in cycles]) if cycles else np.empty(0)
        for k, variant in enumerate(variants)
    }
    return {
        "rate_tps": RATE,
        "seconds": plan.seconds,
        "segment_s": plan.segment_s,
        "settle_s": SETTLE_S,
        "pair": list(variants),
        "produced": window["produced"],
        "scored": window["scored"],
        "counted": {variant: len(values) for variant, values in pooled.items()},
        "cycles": len(cycles),
        # A turn far over its length: the whole machine stalled (e.g. its VM paused) meanwhile.
        "longest_turn_s": round(max((t.until - t.requested for t in segments), default=0.0), 3),
        "pooled": {
            variant: {f"p{q:.0f}_ms": round(nearest_rank(values, q), 3) for q in QUANTILES}
            for variant, values in pooled.items()
        },
        "added": {f"p{q:.0f}": paired_difference(cycles, q) for q in QUANTILES} if cycles else {},
        "cpu_us_per_payment": window["cpu_us_per_payment"],
        "segments": [
            _turn(segment, len(own)) for segment, own in zip(segments, latencies, strict=True)
        ],
    }
