"""Variants of one running pipeline compared in the same run (a rule count, a challenger set or
not): switched live between windows at one rate, alternated round after round (forward, then
backward) so that the machine's drift and its neighbours fall on every variant alike, each
variant's figure the median of its rounds; then per variant the drain rate and, in a full run,
the sustainable rate. Every window counts produced and scored."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_bench.pipeline_runs import ModeBench, stage_values
from fraud_bench.stats import summary_ms
from fraud_devstack import PostgresServer

RATE = 1_000  # the rate the issues' targets are stated at
WARM_S = 1.0  # a window after each switch, not measured: the new variant is seen taken up


@dataclass(frozen=True)
class SectionPlan:
    seconds: float  # one latency window
    rounds: int  # latency windows per variant, alternated
    backlog: int  # drained once per variant to measure its processing rate
    verify: bool  # search the sustainable rate per variant (else the drain rate stands)

    @property
    def quick(self) -> bool:
        return not self.verify


QUICK = SectionPlan(seconds=3.0, rounds=2, backlog=3_000, verify=False)
FULL = SectionPlan(seconds=15.0, rounds=3, backlog=30_000, verify=True)


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


def compare(
    bench: ModeBench,
    variants: Sequence[str],
    switch: Callable[[str], None],
    plan: SectionPlan,
) -> dict[str, dict[str, Any]]:
    """Per variant: drain and sustainable rate, then latency windows at RATE alternated with the
    other variants'. ``switch(variant)`` puts the variant in force and returns once the pipeline
    was seen running it (a window of traffic after the switch, not measured)."""
    result: dict[str, dict[str, Any]] = {}
    for variant in variants:
        switch(variant)
        drain = round(bench.capacity(plan.backlog), 1)
        result[variant] = {"drain_tps": drain, "max_tps": drain, "max_tps_verified": None,
                           "attempts": [], "rounds": []}  # fmt: skip
        if plan.verify:
            sustainable, attempts = bench.sustainable(drain, plan.seconds)
            result[variant].update(
                max_tps=sustainable, max_tps_verified=sustainable > 0, attempts=attempts
            )
    for k, variant in order(variants, plan.rounds):
        switch(variant)
        capacity = result[variant]["drain_tps"]
        window = bench.at_rate(RATE, plan.seconds, capacity, run_id=run_id(variant, k))
        result[variant]["rounds"].append({"round": k, **window})
    records = bench.records()
    for variant, figures in result.items():
        for window in figures["rounds"]:
            window.update(window_latency(records.get(run_id(variant, window["round"]), [])))
        figures.update(medians(figures["rounds"]))
    return result


def window_latency(records: list[dict[str, Any]]) -> dict[str, Any]:
    """End to end p50/p95/p99 of a window's records, and its scoring stage's (the model and
    the rules, per batch)."""
    values = stage_values(records)
    scoring = summary_ms(values.get("scoring_ms", []))
    return {
        **summary_ms(values.get("end_to_end_ms", [])),
        "scoring_p50_ms": scoring["p50_ms"],
        "scoring_p99_ms": scoring["p99_ms"],
    }


def medians(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """A variant's figures: the median over its rounds of each latency, and every payment
    produced and scored over them."""
    keys = ("p50_ms", "p95_ms", "p99_ms", "scoring_p50_ms", "scoring_p99_ms")
    return {
        **{key: round(statistics.median(r[key] for r in rounds), 3) for key in keys},
        "produced": sum(r["produced"] for r in rounds),
        "scored": sum(r["scored"] for r in rounds),
    }


def nothing_lost(variants: dict[str, dict[str, Any]]) -> bool:
    return all(r["produced"] == r["scored"] > 0 for v in variants.values() for r in v["rounds"])
