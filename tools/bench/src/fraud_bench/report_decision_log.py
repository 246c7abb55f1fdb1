"""The benchmark report's decision-log part: the pipeline without and with the log, and the
issue's two targets (present only in runs that measured them)."""

from __future__ import annotations

from typing import Any

from fraud_bench.decision_log import VARIANTS, cost
from fraud_bench.report_transactions import row

P99_BUDGET_MS = 2.0  # the log may add this much to the p99 at 1,000 tx/s
RATE_FLOOR = 0.9  # and keep this share of the sustainable rate


def decision_log_targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    if "decision_log" not in result:
        return []
    log = result["decision_log"]
    c = cost(log)
    return [
        (
            f"decision log adds <= {P99_BUDGET_MS:.0f} ms to the p99 at 1,000 tx/s",
            c["p99_ms_added"] <= P99_BUDGET_MS,
            f"{c['p99_ms_added']:+.2f} ms",
        ),
        (
            "decision log keeps >= 90% of the sustainable rate",
            c["max_tps_ratio"] >= RATE_FLOOR,
            f"{c['max_tps_ratio']:.1%}",
        ),
        (
            "decision log holds every payment once",
            log["logged"]["rows"] == log["logged"]["distinct_ids"] == log["with"]["produced"],
            f"{log['logged']['rows']:,} rows for {log['with']['produced']:,} payments",
        ),
    ]


def decision_log_section(r: dict[str, Any]) -> list[str]:
    if "decision_log" not in r:
        return []
    log = r["decision_log"]
    lines = [
        "",
        "## Decision log (PostgreSQL) without and with, embedded scoring",
        "",
        "The same pipeline, one after the other in this run; with the log every batch's decisions "
        "are written (COPY) before its offsets commit.",
        "",
        "| decision log | rate (tx/s) | p50 ms | p95 ms | p99 ms | produced | scored "
        "| sustainable (drain) tx/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for variant in VARIANTS:
        d = log[variant]
        capacity = f"{d['max_tps']:,.0f} ({d['drain_tps']:,.0f})"
        for rate in sorted(d["runs"], key=int):
            run = d["runs"][rate]
            lines.append(
                row(
                    variant,
                    f"{int(rate):,}" + (" (queueing)" if run["saturated"] else ""),
                    f"{run['p50_ms']:.2f}",
                    f"{run['p95_ms']:.2f}",
                    f"{run['p99_ms']:.2f}",
                    f"{run['produced']:,}",
                    f"{run['scored']:,}",
                    capacity,
                )
            )
    c = cost(log)
    lines += [
        "",
        f"At 1,000 tx/s the log adds {c['p50_ms_added']:+.2f} ms to the p50 and "
        f"{c['p99_ms_added']:+.2f} ms to the p99; the sustainable rate with it is "
        f"{c['max_tps_ratio']:.1%} of the rate without. Rows logged: "
        f"{log['logged']['rows']:,} ({log['logged']['distinct_ids']:,} distinct ids) for "
        f"{log['with']['produced']:,} payments produced.",
    ]
    return lines
