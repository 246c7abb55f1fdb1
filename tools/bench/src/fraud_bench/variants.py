"""Variants of one running pipeline compared in the same run (a rule count, a challenger set or
not): switched live between windows at one rate, alternated round after round (forward, then
backward) so that the machine's drift and its neighbours fall on every variant alike, each
variant's figure the median of its rounds; then per variant the drain rate and, in a full run,
the sustainable rate. Every window counts produced and scored. Variants that differ by less than
the machine's phases move a window's p99 are read through figures that survive them: each
variant's windows pooled, and the median of the per-round paired differences."""

from __future__ import annotations

import contextlib
import math
import statistics
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_bench.pipeline_runs import ModeBench, stage_values, warm_compiler
from fraud_bench.stats import summary_ms
from fraud_devstack import PostgresServer
from fraudcore.schemas import Decision

RATE = 1_000  # the rate the issues' targets are stated at
WARM_S = 1.0  # a window after each switch, not measured: the new variant is seen taken up
APPROVE = Decision.APPROVE.value


@dataclass(frozen=True)
class SectionPlan:
    seconds: float  # one latency window
    rounds: int  # latency windows per variant, alternated
    backlog: int  # drained to measure a variant's processing rate
    verify: bool  # search the sustainable rate per variant (else the drain rate stands)
    # Drains per variant, alternated; the median stands (one drain of the same variant moved
    # by up to a third between phases of this machine).
    drains: int = 1

    @property
    def quick(self) -> bool:
        return not self.verify


QUICK = SectionPlan(seconds=3.0, rounds=2, backlog=3_000, verify=False)
FULL = SectionPlan(seconds=15.0, rounds=3, backlog=30_000, verify=True)
# Pairs whose difference is smaller than the machine's noise: more, shorter rounds (a window's
# p99 moved by tens of ms between 20 s windows; more pairs narrow their median more). Twelve:
# the median's 95% interval is then the 3rd lowest to 3rd highest round, where with six it is
# the lowest to the highest, so one disturbed window alone decided the verdict.
PAIRED_FULL = SectionPlan(seconds=10.0, rounds=12, backlog=30_000, verify=True, drains=3)
# Sections judged against a budget of 1 or 2 ms (the decision log, the rules): twice the pairs.
# With twelve the median's interval was 3 to 5.6 ms wide, wider than either budget, so neither
# could be read as met or missed; it narrows as one over the root of the rounds. Five drains a
# variant: three of the same variant spread by a quarter, and the rate target is 10%.
BUDGET_FULL = SectionPlan(seconds=10.0, rounds=24, backlog=30_000, verify=True, drains=5)
FLOOR = "kafka-floor"  # a bare produce->consume window measured among a section's rounds

Floor = Callable[[float], list[float]]  # a floor window of so many seconds: latencies in ms
Observe = Callable[[str], Callable[[], dict[str, Any]]]  # before a window: what to add after it


def paired_plan(plan: SectionPlan, *, budget: bool = False) -> SectionPlan:
    """A paired section's plan: the quick one as given, the full one with more rounds (and more
    again for a section judged against a budget in ms)."""
    if plan.quick:
        return plan
    return BUDGET_FULL if budget else PAIRED_FULL


@contextlib.contextmanager
def database(workdir: Path, url: str | None) -> Iterator[str]:
    """``url``, or a fresh PostgreSQL server of the section's own, removed after."""
    if url is not None:
        yield url
        return
    server = PostgresServer(workdir / "postgres")
    try:
        yield server.start().url
    finally:
        server.remove()


def restart(bench: ModeBench, env: dict[str, str], *, warm: bool) -> None:
    """The bench's consumer replaced by one with ``env`` (a variant a consumer reads at start);
    static membership: the new one takes the old one's partitions at once. With ``warm``, a
    window of traffic after it, not measured, pays its first batches' connections and first
    inference (a quick run spares the load generator's start-up instead)."""
    if bench.consumer is not None:
        bench.consumer.stop()
    bench.consumer_env = env
    bench.consumer = bench.pipeline.start_consumer(bench.mode, **env)
    if warm:
        bench.at_rate(RATE, WARM_S, RATE * 10.0, run_id=f"s{uuid.uuid4().hex[:6]}")


def order(variants: Sequence[str], rounds: int) -> list[tuple[int, str]]:
    """(round, variant) in the order run: forward in even rounds, backward in odd ones."""
    return [
        (k, variant)
        for k in range(rounds)
        for variant in (variants if k % 2 == 0 else list(reversed(variants)))
    ]


def run_id(variant: str, round_: int) -> str:
    """A run id the transaction ids carry (no dash: the id's middle part)."""
    return f"{variant.replace('-', '')}k{round_}"


def warm_pipeline(bench: ModeBench, switch: Callable[[str], None], variant: str) -> list[float]:
    """``variant`` put in force, then its pipeline at RATE until the broker's JIT compiler is
    quiet (``pipeline_runs.warm_compiler``): nothing without the broker's pid."""
    if "broker" not in bench.infrastructure:
        return []
    switch(variant)
    return warm_compiler(bench, RATE)


def compare(
    bench: ModeBench,
    variants: Sequence[str],
    switch: Callable[[str], None],
    plan: SectionPlan,
    *,
    observe: Observe | None = None,
    floor: Floor | None = None,
    before_drain: Callable[[str], None] | None = None,
    rounds_only: Collection[str] = (),
) -> dict[str, dict[str, Any]]:
    """Per variant: drain rate (the median of ``plan.drains`` alternated drains) and sustainable
    rate, then latency windows at RATE alternated with the other variants'. Variants in
    ``rounds_only`` have their windows only (no drain, no rate search; their capacity for a
    window's queueing check is the highest drain of the others). ``switch(variant)``
    puts the variant in force and returns once the pipeline was seen running it (a window of
    traffic after the switch, not measured). ``observe(variant)`` before a window returns what
    to add to it after; a ``floor`` joins the alternation as the variant FLOOR (its windows in
    the same phases as the pipeline's). ``before_drain(variant)``, if given, replaces the switch
    before a drain (a variant the drain's restart takes up)."""
    result: dict[str, dict[str, Any]] = {}
    drained = [variant for variant in variants if variant not in rounds_only]
    drains: dict[str, list[float]] = {variant: [] for variant in drained}
    for _, variant in order(drained, plan.drains):
        (before_drain or switch)(variant)
        drains[variant].append(round(bench.capacity(plan.backlog), 1))
    for variant in drained:
        if plan.drains > 1:  # the last drain's variant is running: put this one in force
            switch(variant)
        drain = round(statistics.median(drains[variant]), 1)
        result[variant] = {"drain_tps": drain, "drains_tps": drains[variant], "max_tps": drain,
                           "max_tps_verified": None, "attempts": [], "rounds": []}  # fmt: skip
        if plan.verify:
            sustainable, attempts = bench.sustainable(drain, plan.seconds)
            result[variant].update(
                max_tps=sustainable, max_tps_verified=sustainable > 0, attempts=attempts
            )
    capacity = max((result[variant]["drain_tps"] for variant in drained), default=RATE * 10.0)
    if plan.verify:  # a full run's windows on a broker done compiling what the pipeline runs
        warm_pipeline(bench, switch, variants[0])
    for variant in rounds_only:
        result[variant] = {"rounds": []}
    floors: list[dict[str, Any]] = []
    floor_values: list[float] = []
    for k, variant in order([*variants, *([FLOOR] if floor else [])], plan.rounds):
        if variant == FLOOR and floor is not None:
            values = floor(plan.seconds)
            floor_values += values
            floors.append({"round": k, "messages": len(values), **summary_ms(values)})
            continue
        switch(variant)
        finish = observe(variant) if observe is not None else None
        own = result[variant].get("drain_tps", capacity)
        window = bench.at_rate(RATE, plan.seconds, own, run_id=run_id(variant, k))
        result[variant]["rounds"].append({"round": k, **window, **(finish() if finish else {})})
    records = bench.records()
    for variant, figures in result.items():
        pooled: list[float] = []
        for window in figures["rounds"]:
            own = records.get(run_id(variant, window["round"]), [])
            window.update(window_latency(own))
            pooled += stage_values(own).get("end_to_end_ms", [])
        figures.update(medians(figures["rounds"]), pooled=summary_ms(pooled))
    if floor is not None:
        result[FLOOR] = {
            "rounds": floors,
            "pooled": summary_ms(floor_values),
            **{q: round(statistics.median(r[q] for r in floors), 3) for q in ("p50_ms", "p99_ms")},
        }
    return result


def compare_restarts(
    bench: ModeBench,
    envs: dict[str, dict[str, str]],
    plan: SectionPlan,
    *,
    observe: Observe | None = None,
    floor: Floor | None = None,
    rounds_only: Collection[str] = (),
) -> dict[str, dict[str, Any]]:
    """``compare`` over variants a consumer reads at start (``envs``: variant -> environment):
    each window's variant put in force by restarting the consumer; the drain's own restart
    takes its variant up."""

    def before_drain(variant: str) -> None:
        bench.consumer_env = envs[variant]

    def switch(variant: str) -> None:
        restart(bench, envs[variant], warm=not plan.quick)

    return compare(
        bench, list(envs), switch, plan, observe=observe, floor=floor, before_drain=before_drain,
        rounds_only=rounds_only,
    )  # fmt: skip


def window_latency(records: list[dict[str, Any]]) -> dict[str, Any]:
    """End to end p50/p95/p99 of a window's records, its scoring stage's (the model and the
    rules, per batch) and its sinks stage's (Redis and the wait for the log, per batch); and
    how many it flagged (review or block: each costs reasons, an alert and its copy)."""
    values = stage_values(records)
    stages = {stage: summary_ms(values.get(f"{stage}_ms", [])) for stage in ("scoring", "sinks")}
    return {
        **summary_ms(values.get("end_to_end_ms", [])),
        **{f"{stage}_{q}": s[q] for stage, s in stages.items() for q in ("p50_ms", "p99_ms")},
        "flagged": sum(record.get("decision", APPROVE) != APPROVE for record in records),
    }


def medians(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """A variant's figures: the median over its rounds of each latency, and every payment
    produced, scored and flagged over them (flagged: in runs that counted it)."""
    keys = ("p50_ms", "p95_ms", "p99_ms", "scoring_p50_ms", "scoring_p99_ms")
    flagged = [r["flagged"] for r in rounds if "flagged" in r]
    return {
        **{key: round(statistics.median(r[key] for r in rounds), 3) for key in keys},
        "produced": sum(r["produced"] for r in rounds),
        "scored": sum(r["scored"] for r in rounds),
        **({"flagged": sum(flagged)} if len(flagged) == len(rounds) else {}),
    }


def paired(base: dict[str, Any], other: dict[str, Any], key: str = "p99_ms") -> dict[str, Any]:
    """``other``'s figure minus ``base``'s in each round both ran, and the median of those
    differences: each pair shares the machine's phase of that round."""
    by_round = {r["round"]: r[key] for r in base["rounds"]}
    diffs = [
        round(r[key] - by_round[r["round"]], 3) for r in other["rounds"] if r["round"] in by_round
    ]
    return {"per_round": diffs, "median": round(statistics.median(diffs), 3) if diffs else math.nan}


def spread(variant: dict[str, Any], key: str = "p99_ms") -> tuple[float, float]:
    """The lowest and highest of a variant's rounds' figure."""
    values = [r[key] for r in variant["rounds"]]
    return min(values), max(values)


def nothing_lost(variants: dict[str, dict[str, Any]]) -> bool:
    return all(
        r["produced"] == r["scored"] > 0
        for name, v in variants.items()
        if name != FLOOR
        for r in v["rounds"]
    )
