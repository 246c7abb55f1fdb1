"""What every part of the benchmark report's markdown shares: a table row, and a section's
measured-when line and nothing-lost count."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fraud_bench.cpu import LOAD_GENERATOR, cpu_medians

# The processes a section's windows may have CPU figures for, in the order tables show them.
PROCESSES = ("broker", "consumer", "redis", "database", LOAD_GENERATOR)


def row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def lost(section: dict[str, Any]) -> tuple[bool, str]:
    """A variant section's nothing-lost verdict and its count (floor windows are no payments)."""
    runs = [r for v in section["variants"].values() for r in v["rounds"] if "produced" in r]
    produced, scored = sum(r["produced"] for r in runs), sum(r["scored"] for r in runs)
    return section["nothing_lost"], f"{scored:,} scored of {produced:,} produced"


def measured(section: dict[str, Any]) -> str:
    load = section["machine"]
    return (
        f"Measured {section['measured_at']} ({'quick' if section['quick'] else 'full'}: "
        f"{section['rounds']} rounds of {section['seconds']:.0f} s per variant at "
        f"{section['rate_tps']:,} tx/s, alternated), load average {load['load_before']['1m']} "
        f"before, {load['load_after']['1m']} after.{warmed(section.get('broker_warmup'))}"
    )


def warmed(warmup: dict[str, Any] | None) -> str:
    """How the broker was warmed before a run of sections alone (a whole run's, or a run
    before this figure: nothing)."""
    if not warmup or not warmup["jit_core_share"]:
        return ""
    return (
        f" The broker was first warmed for {warmup['seconds']:.0f} s at 3,000 tx/s, until its "
        f"JIT compiler was {jit_state(warmup)} (last window: "
        f"{warmup['jit_core_share'][-1]:.0%} of a core)."
    )


def jit_state(warmup: dict[str, Any]) -> str:
    """How a broker warm-up left the JIT compiler."""
    return "quiet" if warmup["jit_quiet"] else "still compiling"


def per_round(values: list[float], unit: str) -> str:
    return ", ".join(f"{v:+.2f}{unit}" if unit == " ms" else f"{v:.2f}{unit}" for v in values)


def sustained(variant: dict[str, Any]) -> str:
    """A variant's sustainable rate and, in brackets, its drain rate (tx/s), with the drains
    it is the median of when there were several."""
    found = "not searched" if variant["max_tps_verified"] is None else f"{variant['max_tps']:,.0f}"
    drains = variant.get("drains_tps", [])
    each = f": median of {' / '.join(f'{d:,.0f}' for d in drains)}" if len(drains) > 1 else ""
    return f"{found} ({variant['drain_tps']:,.0f}{each})"


def median_interval(diffs: list[float]) -> tuple[float, float, float]:
    """A distribution-free interval for the median of paired per-round differences: the k-th
    lowest and k-th highest round, k the largest whose coverage is at least 95% (the extremes
    when there are too few rounds for that), and its coverage."""
    n, ordered = len(diffs), sorted(diffs)

    def coverage(k: int) -> float:
        return 1 - 2 * sum(math.comb(n, i) for i in range(k)) / float(2**n)

    k = max((k for k in range(1, n // 2 + 1) if coverage(k) >= 0.95), default=1)
    return ordered[k - 1], ordered[n - k], coverage(k)


def within_budget(diffs: list[float], budget_ms: float) -> bool:
    """Met only when the median's whole interval is within the budget: a median under it that
    the rounds cannot tell from noise is not shown to be met."""
    return median_interval(diffs)[1] <= budget_ms


def resolution(diffs: list[float], budget_ms: float) -> str:
    """What the rounds let the run say about a budget (words, not false precision)."""
    low, high, coverage = median_interval(diffs)
    interval = (
        f"the median's interval over the rounds {low:+.2f} to {high:+.2f} ms ({coverage:.0%})"
    )
    if high <= budget_ms:
        return f"{interval}, within the {budget_ms:.0f} ms budget"
    if low > budget_ms:
        return f"{interval}, all of it over the {budget_ms:.0f} ms budget"
    return (
        f"{interval}, wider than the {budget_ms:.0f} ms budget allows: this run cannot tell a "
        "difference that fine from its noise"
    )


def cpu_table(variants: dict[str, dict[str, Any]], names: Sequence[str], label: str) -> list[str]:
    """A table of each variant's CPU per payment by process (medians over its rounds), or
    nothing for a section measured before its windows counted more than the consumer's."""
    medians = {name: cpu_medians(variants[name]["rounds"]) for name in names}
    shown = [p for p in PROCESSES if any(p in m for m in medians.values())]
    if set(shown) <= {"consumer", LOAD_GENERATOR}:
        return []
    lines = [
        "",
        "CPU per payment (microseconds, user + system of every thread and child process, read "
        "from /proc over each latency window; the median of the variant's rounds):",
        "",
        row(label, *(p.replace("_", " ") for p in shown), "sum"),
        row("---", *["---:"] * (len(shown) + 1)),
    ]
    for name, found in medians.items():
        cells = [f"{found[p]:,.1f}" if p in found else "-" for p in shown]
        lines.append(row(name, *cells, f"{sum(found.values()):,.1f}"))
    return lines
