"""What every part of the benchmark report's markdown shares: a table row, and a section's
measured-when line and nothing-lost count."""

from __future__ import annotations

from typing import Any


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
        f"before, {load['load_after']['1m']} after."
    )


def per_round(values: list[float], unit: str) -> str:
    return ", ".join(f"{v:+.2f}{unit}" if unit == " ms" else f"{v:.2f}{unit}" for v in values)


def sustained(variant: dict[str, Any]) -> str:
    """A variant's sustainable rate and, in brackets, its drain rate (tx/s)."""
    found = "not searched" if variant["max_tps_verified"] is None else f"{variant['max_tps']:,.0f}"
    return f"{found} ({variant['drain_tps']:,.0f})"
