"""The benchmark report's fetch-batching part (present only in runs that measured it): per
variant the latency at 1,000 tx/s, what it added over the default paired by round, and the CPU
each process spent per payment."""

from __future__ import annotations

from typing import Any

from fraud_bench.report_rows import lost, measured, row

PROCESSES = ("consumer", "broker", "redis")


def _added(figures: dict[str, Any], key: str) -> str:
    added = figures.get(key)
    if added is None:
        return "-"
    rounds = added["per_round"]
    return f"{added['median']:+.2f} ({min(rounds):+.1f} to {max(rounds):+.1f})"


def fetch_batching_targets(r: dict[str, Any]) -> list[tuple[str, bool, str]]:
    if "fetch_batching" not in r:
        return []
    return [("fetch batching: nothing lost in any run", *lost(r["fetch_batching"]))]


def fetch_batching_section(r: dict[str, Any]) -> list[str]:
    if "fetch_batching" not in r:
        return []
    section = r["fetch_batching"]
    lines = [
        "",
        "## Fetch batching of the input consumer, embedded scoring",
        "",
        "The consumer restarted with each `fetch.min.bytes` / `fetch.wait.max.ms` "
        "(`CONSUMER_FETCH_MIN_BYTES`, `CONSUMER_FETCH_WAIT_MAX_MS`), the first the default. "
        "Added: minus the default in the same round, the median of the rounds (their range). "
        "CPU: microseconds per payment, the median of the rounds. " + measured(section),
        "",
        "| fetch | min bytes / wait ms | p50 ms | p99 ms | p50 added ms | p99 added ms | "
        + " | ".join(f"{p} CPU us" for p in PROCESSES)
        + " | produced | scored |",
        "| --- | --- | ---: | ---: | ---: | ---: | " + "---: | " * len(PROCESSES) + "---: | ---: |",
    ]
    for name, v in section["variants"].items():
        cpu = v["cpu_us_per_payment"]
        lines.append(
            row(
                name,
                f"{v['fetch']['min_bytes']:,} / {v['fetch']['wait_max_ms']:,}",
                f"{v['p50_ms']:.2f}",
                f"{v['p99_ms']:.2f}",
                _added(v, "p50_added"),
                _added(v, "p99_added"),
                *(f"{cpu[p]:,.0f}" if p in cpu else "-" for p in PROCESSES),
                f"{v['produced']:,}",
                f"{v['scored']:,}",
            )
        )
    return lines
