"""The benchmark report's exactly-once part: transactions on against off, the commit interval,
and the acceptance target (present only in runs that measured them)."""

from __future__ import annotations

from typing import Any


def row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def transaction_targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """Exactly-once at 1,000 tx/s: p99 within 2x the bare Kafka floor's p99 of the same run."""
    if "transactions" not in result:
        return []
    floor = result["floors"]["kafka_rtt_by_rate"]["1000"]["p99_ms"]
    run = result["transactions"]["exactly-once"]["runs"]["1000"]
    e2e = run["end_to_end"]["p99_ms"]
    return [
        (
            "exactly-once p99 (to Redis) <= 2x the Kafka floor p99 at 1,000 tx/s",
            e2e <= 2 * floor,
            f"{e2e:.1f} ms vs 2 x {floor:.1f} ms",
        )
    ]


def transactions_section(r: dict[str, Any]) -> list[str]:
    """Exactly-once against at-least-once, and the commit interval, when the run measured them."""
    if "transactions" not in r:
        return []
    lines = [
        "",
        "## Exactly-once (Kafka transactions) against at-least-once, embedded scoring",
        "",
        "End to end: produce -> results in Redis. Visible: produce -> a `read_committed` reader "
        "of transactions-scored receives the record (the transaction carrying it committed; "
        "up to 1 ms high: Kafka timestamps are whole ms).",
        "",
        "| delivery | rate (tx/s) | end to end p50 / p99 ms | visible p50 / p99 ms "
        "| produced | scored | sustainable (drain) tx/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for delivery, d in r["transactions"].items():
        capacity = f"{d['max_tps']:,.0f} ({d['drain_tps']:,.0f})"
        for rate in sorted(d["runs"], key=int):
            run, e2e, seen = (
                d["runs"][rate],
                d["runs"][rate]["end_to_end"],
                d["runs"][rate]["visible"],
            )
            lines.append(
                row(
                    delivery,
                    f"{int(rate):,}" + (" (queueing)" if run["saturated"] else ""),
                    f"{e2e['p50_ms']:.2f} / {e2e['p99_ms']:.2f}",
                    f"{seen['p50_ms']:.2f} / {seen['p99_ms']:.2f}",
                    f"{run['produced']:,}",
                    f"{run['scored']:,}",
                    capacity,
                )
            )
    lines += [
        "",
        "Commit interval (how long a transaction stays open), exactly-once at 1,000 tx/s:",
        "",
        "| interval ms | end to end p50 / p99 ms | visible p50 / p99 ms |",
        "| ---: | ---: | ---: |",
    ]
    for interval, run in sorted(
        r.get("transaction_intervals", {}).items(), key=lambda i: int(i[0])
    ):
        e2e, seen = run["end_to_end"], run["visible"]
        lines.append(
            row(
                interval,
                f"{e2e['p50_ms']:.2f} / {e2e['p99_ms']:.2f}",
                f"{seen['p50_ms']:.2f} / {seen['p99_ms']:.2f}",
            )
        )
    return lines
