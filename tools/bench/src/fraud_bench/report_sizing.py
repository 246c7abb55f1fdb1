"""The README's sizing table: cores per 10,000 tx/s per scoring mode, from the CPU each process
spent per payment in the full benchmark's windows at 1,000 and 5,000 tx/s (bench.json's
``pipeline.<mode>.<rate>.cpu_us_per_payment``), summed over the processes a deployment runs. The
load generator, which a deployment does not run, is shown apart."""

from __future__ import annotations

from typing import Any

from fraud_bench.cpu import LOAD_GENERATOR
from fraud_bench.report_rows import row

DEPLOYED = ("consumer", "scorer", "redis", "broker", "database")  # what a deployment runs
MODES = ("embedded", "remote")
RATES = ("1000", "5000")
PER_TPS = 10_000


def cores(us_per_payment: float, tps: int = PER_TPS) -> float:
    """Cores kept busy by ``tps`` payments a second at ``us_per_payment`` of CPU each."""
    return us_per_payment * tps / 1e6


def measured_rows(r: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(mode, rate, run) of each window that has CPU figures."""
    return [
        (mode, rate, run)
        for mode in MODES
        for rate in RATES
        if (run := r["pipeline"].get(mode, {}).get(rate)) and run.get("cpu_us_per_payment")
    ]


def table(r: dict[str, Any]) -> str:
    """The sizing table in markdown, or what to run when the report has no CPU figures."""
    rows = measured_rows(r)
    m = r["machine"]
    if not rows:
        return (
            f"No CPU figures yet: the committed benchmark ({r['measured_at'][:10]}) predates "
            "CPU per payment; `make bench` measures them and `python tests/test_readme.py` "
            "writes this table."
        )
    names = [n for n in DEPLOYED if any(n in run["cpu_us_per_payment"] for _, _, run in rows)]
    lines = [
        f"From `reports/bench.json` ({'quick' if r['quick'] else 'full'} run of "
        f"{r['measured_at'][:10]} on {m['cpu']}, {m['cores']} cores, every process on that "
        "machine): CPU microseconds per payment of each process, their sum, and the cores that "
        f"sum keeps busy at {PER_TPS:,} tx/s.",
        "",
        row(
            "mode",
            "measured at",
            *names,
            "sum (us)",
            f"cores per {PER_TPS:,} tx/s",
            "load generator (apart, us)",
        ),
        row("---", "---:", *["---:"] * (len(names) + 3)),
    ]
    for mode, rate, run in rows:
        cpu = run["cpu_us_per_payment"]
        total = sum(cpu.get(name, 0.0) for name in names)
        at = f"{int(rate):,} tx/s" + (" (above capacity)" if run.get("saturated") else "")
        cells = [f"{cpu[n]:,.1f}" if n in cpu else "-" for n in names]
        generator = f"{cpu[LOAD_GENERATOR]:,.1f}" if LOAD_GENERATOR in cpu else "-"
        lines.append(row(mode, at, *cells, f"{total:,.1f}", f"{cores(total):.1f}", generator))
    return "\n".join(lines)
