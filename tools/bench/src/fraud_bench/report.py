"""reports/bench.json (stable keys), reports/bench.md (tables) and a latency-vs-rate plot."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import matplotlib

from fraud_bench import rate_search
from fraud_bench.report_decision_log import decision_log_section, decision_log_targets
from fraud_bench.report_fetch import fetch_batching_section, fetch_batching_targets
from fraud_bench.report_rows import jit_state, row
from fraud_bench.report_scale import scale_section, scale_targets
from fraud_bench.report_transactions import transaction_targets, transactions_section
from fraud_bench.report_variants import (
    challenger_section,
    interleaved_section,
    rules_section,
    variant_targets,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt

BUDGET_MS = 35.0
STAGES = ("kafka", "decode", "features", "scoring", "sinks")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    pipeline, floors, max_tps = result["pipeline"], result["floors"], result["max_tps"]
    embedded, remote = pipeline["embedded"]["1000"], pipeline["remote"]["1000"]
    kafka_p50 = floors["kafka_rtt_ms"]["p50"]
    return [
        *transaction_targets(result),
        *decision_log_targets(result),
        *variant_targets(result),
        *scale_targets(result),
        *fetch_batching_targets(result),
        ("remote p99 <= 35 ms at 1,000 tx/s", remote["p99_ms"] <= 35, f"{remote['p99_ms']:.1f} ms"),
        (
            "embedded p99 <= 15 ms at 1,000 tx/s",
            embedded["p99_ms"] <= 15,
            f"{embedded['p99_ms']:.1f} ms",
        ),
        (
            "embedded p50 within 3x the Kafka floor p50",
            embedded["p50_ms"] <= 3 * kafka_p50,
            f"{embedded['p50_ms']:.2f} ms vs 3 x {kafka_p50:.2f} ms",
        ),
        ("max_tps.remote >= 5,000", max_tps["remote"] >= 5_000, f"{max_tps['remote']:,.0f} tx/s"),
        (
            "max_tps.remote >= 5x max_tps.naive",
            max_tps["remote"] >= 5 * max_tps["naive"],
            f"{max_tps['remote'] / max(max_tps['naive'], 1):.1f}x",
        ),
        (
            "nothing lost in any run",
            all(
                run["produced"] == run["scored"]
                for mode in pipeline.values()
                for run in mode.values()
            ),
            "produced == scored",
        ),
    ]


def write(result: dict[str, Any], out: Path, *, latency_plot: bool = True) -> None:
    """bench.json with its targets judged, bench.md, and (unless told not: its figures did
    not change) the latency plot."""
    out.mkdir(parents=True, exist_ok=True)
    result["targets"] = [{"target": t, "met": ok, "measured": m} for t, ok, m in targets(result)]
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    if latency_plot:
        plot(result, out / "bench_latency.png")
    (out / "bench.md").write_text(markdown(result))


def existing(out: Path) -> dict[str, Any]:
    """The report a partial run writes into (it never starts one)."""
    path = out / "bench.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no report to update; run the whole benchmark first")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def merged(existing: dict[str, Any], measured: dict[str, Any]) -> dict[str, Any]:
    """The report with the measured keys in place of its own (targets judged at write)."""
    return {**{k: v for k, v in existing.items() if k != "targets"}, **measured}


def plot(result: dict[str, Any], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for mode, runs in result["pipeline"].items():
        rates = sorted(int(rate) for rate in runs)
        for q, style in (("p50_ms", "-o"), ("p99_ms", "--o")):
            ax.plot(rates, [runs[str(r)][q] for r in rates], style, label=f"{mode} {q[:3]}")
    floor = result["floors"]["kafka_rtt_by_rate"]
    rates = sorted(int(rate) for rate in floor)
    ax.plot(rates, [floor[str(r)]["p50_ms"] for r in rates], ":k", label="Kafka floor p50")
    ax.axhline(BUDGET_MS, color="red", linewidth=1, label="35 ms budget")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="offered rate (tx/s)",
        ylabel="end-to-end latency (ms)",
        title="Latency vs rate",
    )
    ax.legend(fontsize=7, ncol=2)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def cpu_section(r: dict[str, Any]) -> list[str]:
    """CPU microseconds per payment per process (runs before this figure existed have none)."""
    cpu: dict[str, dict[str, float]] = r.get("cpu_us_per_payment") or {}
    if not any(cpu.values()):
        return []
    names = sorted({name for per_mode in cpu.values() for name in per_mode})
    lines = [
        "",
        "## CPU per payment (microseconds)",
        "",
        "CPU time (user + system, every thread, with child processes) each process spent per "
        "payment produced, read from /proc over the latency window of the highest rate the "
        "consumer kept up with; the load generator from its own usage once it exited (a process "
        "per run: its start-up is included).",
        "",
        row("mode", *names),
        row(*["---"] * (len(names) + 1)),
    ]
    for mode, per_mode in cpu.items():
        lines.append(row(mode, *(f"{per_mode[n]:,.1f}" if n in per_mode else "-" for n in names)))
    return lines


def warmup_lines(warmup: dict[str, Any] | None) -> list[str]:
    """How long the broker was warmed before the floors (runs before this figure: nothing)."""
    if not warmup or not warmup["jit_core_share"]:
        return []
    shares = ", ".join(f"{share:.0%}" for share in warmup["jit_core_share"])
    return [
        "",
        f"The broker was warmed for {warmup['seconds']:.0f} s at 3,000 tx/s before the floors, "
        f"until its JIT compiler was {jit_state(warmup)} (share of a core per window: {shares}).",
    ]


def wait_section(r: dict[str, Any]) -> list[str]:
    """Run-queue wait per payment, per mode and rate (runs before this figure have none)."""
    runs = [
        (mode, rate, run["cpu_wait_us_per_payment"])
        for mode, by_rate in r["pipeline"].items()
        for rate, run in sorted(by_rate.items(), key=lambda item: int(item[0]))
        if run.get("cpu_wait_us_per_payment")
    ]
    if not runs:
        return []
    names = sorted({name for _, _, wait in runs for name in wait})
    lines = [
        "",
        "## Waiting for a core (microseconds per payment)",
        "",
        "Time each process's threads were runnable but waited for a CPU (the scheduler's "
        "run-queue wait, /proc/<pid>/task/<tid>/schedstat), per payment produced, over the same "
        "window as its CPU: every process shares this machine's cores, and what the consumer "
        "waits here its payments wait too.",
        "",
        row("mode", "rate (tx/s)", *names),
        row(*["---"] * (len(names) + 2)),
    ]
    for mode, rate, wait in runs:
        cells = (f"{wait[n]:,.1f}" if n in wait else "-" for n in names)
        lines.append(row(mode, f"{int(rate):,}", *cells))
    return lines


def markdown(r: dict[str, Any]) -> str:
    m, floors = r["machine"], r["floors"]
    lines = [
        "# Benchmark",
        "",
        f"{r['measured_at']} on {m['cpu']} ({m['cores']} cores, {m['memory_gib']} GiB), "
        f"Linux {m['kernel']}, Python {m['python']}; every component on this one machine. "
        f"Mode: {'quick' if r['quick'] else 'full'}.",
        "",
        "## Pipeline end-to-end latency (produce -> results in Redis)",
        "",
        "| mode | rate (tx/s) | achieved | p50 ms | p95 ms | p99 ms | produced | scored | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for mode, runs in r["pipeline"].items():
        for rate in sorted(runs, key=int):
            run = runs[rate]
            note = "above capacity: queueing" if run["saturated"] else ""
            lines.append(
                row(
                    mode,
                    f"{int(rate):,}",
                    f"{run['achieved_tps']:,.0f}",
                    f"{run['p50_ms']:.2f}",
                    f"{run['p95_ms']:.2f}",
                    f"{run['p99_ms']:.2f}",
                    f"{run['produced']:,}",
                    f"{run['scored']:,}",
                    note,
                )
            )
    lines += [
        "",
        "## Per-stage latency at 1,000 tx/s (p50 / p99 ms)",
        "",
        row("mode", *STAGES),
        row(*["---"] * (len(STAGES) + 1)),
    ]
    for mode, runs in r["pipeline"].items():
        stages = runs.get("1000", {}).get("stages_ms", {})
        cells = [
            f"{stages[s]['p50_ms']:.2f} / {stages[s]['p99_ms']:.2f}" if s in stages else "-"
            for s in STAGES
        ]
        lines.append(row(mode, *cells))
    lines += [
        "",
        "## Maximum sustainable throughput",
        "",
        f"Sustainable: {rate_search.DESCRIPTION}. "
        "Drain: the processing rate on a backlog with nothing else running (quick mode reports "
        "only this).",
        "",
        "| mode | sustainable tx/s | drain tx/s | rates tried (lag bounded?) |",
        "| --- | ---: | ---: | --- |",
    ]
    for mode, value in r["max_tps"].items():
        verified = r["max_tps_verified"].get(mode)
        tried = r.get("max_tps_attempts", {}).get(mode, [])
        steps = ", ".join(f"{a['rate_tps']:,} ({'yes' if a['bounded'] else 'no'})" for a in tried)
        sustained = "not searched" if verified is None else f"{value:,.0f}"
        drain = r.get("drain_tps", {}).get(mode, value)
        lines.append(row(mode, sustained, f"{drain:,.0f}", steps or "-"))
    lines += cpu_section(r) + wait_section(r)
    lines += transactions_section(r)
    lines += decision_log_section(r)
    lines += rules_section(r)
    lines += interleaved_section(r)
    lines += challenger_section(r)
    lines += scale_section(r)
    lines += fetch_batching_section(r)
    lines += [
        "",
        "## Floors (same run, same client settings)",
        "",
        "| floor | value |",
        "| --- | ---: |",
    ]
    for rate, f in sorted(floors["kafka_rtt_by_rate"].items(), key=lambda item: int(item[0])):
        lines.append(
            row(
                f"Kafka produce->consume at {int(rate):,} tx/s",
                f"p50 {f['p50_ms']:.2f} ms, p99 {f['p99_ms']:.2f} ms",
            )
        )
    lines += [
        f"| Redis pipelined round trip | p50 {floors['redis_rtt_ms']['p50']:.3f} ms |",
        f"| ONNX, 1 row | {floors['onnx_single_us']:.1f} us |",
        row(
            "ONNX, 256 rows",
            f"{floors['onnx_256_us']:.1f} us ({floors['onnx_256_per_row_us']:.2f} us/row)",
        ),
        f"| XGBoost native, 1 row (DMatrix per call) | {floors['xgboost_single_us']:.1f} us |",
        f"| event decode / encode | {floors['decode_us']:.2f} / {floors['encode_us']:.2f} us |",
        *warmup_lines(floors.get("broker_warmup")),
        "",
        "## Ratios",
        "",
        "| ratio | value |",
        "| --- | ---: |",
    ]
    for name, value in r["ratios"].items():
        lines.append(f"| {name} | {value:.2f} |")
    api = r["scorer_api"]
    lines += [
        "",
        "## Scorer API alone",
        "",
        f"Single POST /v1/score: p50 {api['single']['p50_ms']:.2f} ms, "
        f"p99 {api['single']['p99_ms']:.2f} ms. "
        f"Batch: {api['batch']['rows_per_s']:,.0f} rows/s from {api['batch']['clients']} clients "
        f"x {api['batch']['rows_per_request']} rows.",
        "",
        "## Targets",
        "",
        "| target | met | measured |",
        "| --- | --- | --- |",
    ]
    for t in r["targets"]:
        lines.append(f"| {t['target']} | {'yes' if t['met'] else '**no**'} | {t['measured']} |")
    lines += ["", "![latency vs rate](bench_latency.png)", ""]
    return "\n".join(lines)


def headline(r: dict[str, Any]) -> str:
    """The README's summary of a run: latency per mode and rate, capacity, targets."""
    m, pipeline = r["machine"], r["pipeline"]
    rates = sorted({int(rate) for runs in pipeline.values() for rate in runs})
    floor = r["floors"]["kafka_rtt_by_rate"]

    def cell(run: dict[str, Any]) -> str:
        text = f"{run['p50_ms']:,.1f} / {run['p99_ms']:,.1f}"
        return f"{text} (queueing)" if run.get("saturated") else text

    lines = [
        f"Measured {r['measured_at'][:10]} on {m['cpu']} ({m['cores']} cores, "
        f"{m['memory_gib']} GiB), with the broker, Redis, scorer, consumer and load generator "
        f"all on that machine ({'quick' if r['quick'] else 'full'} run). End-to-end latency "
        "from produce to results in Redis, p50 / p99 ms:",
        "",
        row("mode", *[f"{rate:,} tx/s" for rate in rates], "sustainable (drain) tx/s"),
        row("---", *["---:"] * (len(rates) + 1)),
    ]
    for mode, runs in pipeline.items():
        cells = [cell(runs[str(rate)]) if str(rate) in runs else "-" for rate in rates]
        drain = r.get("drain_tps", {}).get(mode)
        capacity = f"{r['max_tps'][mode]:,.0f}" + (f" ({drain:,.0f})" if drain else "")
        lines.append(row(mode, *cells, capacity))
    cells = [cell(floor[str(rate)]) if str(rate) in floor else "-" for rate in rates]
    lines += [row("Kafka floor (bare produce -> consume)", *cells, "-"), ""]
    lines += [f"- {'met' if ok else '**missed**'}: {t} ({got})" for t, ok, got in targets(r)]
    return "\n".join(lines)
