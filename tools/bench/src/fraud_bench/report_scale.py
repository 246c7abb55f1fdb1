"""The benchmark report's scale-out part (present only in runs that measured it): per mode and
consumer count the sustainable and drain rate, their ratio to one consumer's, CPU per payment per
process at the highest bounded window, the load over it; every run checked by transaction id."""

from __future__ import annotations

from typing import Any

from fraud_bench.report_rows import row

PROCESSES = ("consumer", "scorer", "redis", "broker", "load_generator")


def rate(figures: dict[str, Any]) -> float:
    """A count's capacity: its sustainable rate, or its drain rate where none was searched."""
    return float(
        figures["drain_tps"] if figures["max_tps_verified"] is None else figures["max_tps"]
    )


def speedups(consumers: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Each count's capacity over the smallest count's."""
    base = rate(consumers[min(consumers, key=int)])
    return {count: rate(figures) / base if base else 0.0 for count, figures in consumers.items()}


def checked(section: dict[str, Any]) -> dict[str, int]:
    """Every run of every mode, summed: produced, scored, missing, unexpected, repeated."""
    runs = [run for mode in section["modes"].values() for run in mode["runs"].values()]
    keys = ("produced", "scored", "missing", "unexpected", "repeated")
    return {"runs": len(runs), **{key: sum(run[key] for run in runs) for key in keys}}


def scale_targets(result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    if "scale" not in result:
        return []
    section = result["scale"]
    total = checked(section)
    return [
        (
            "scale: every payment scored once, checked by transaction id",
            section["nothing_lost"],
            f"{total['scored']:,} of {total['produced']:,} in {total['runs']} runs; "
            f"{total['missing']} missing, {total['unexpected']} unexpected",
        )
    ]


def _cell(cpu: dict[str, float], name: str) -> str:
    return f"{cpu[name]:,.1f}" if name in cpu else "-"


def scale_section(r: dict[str, Any]) -> list[str]:
    if "scale" not in r:
        return []
    s = r["scale"]
    load = s["machine"]
    total = checked(s)
    lines = [
        "",
        f"## Scale-out: consumers in one group ({s['partitions']} partitions)",
        "",
        f"Measured {s['measured_at']} on {s['cpu']} ({load['cpus']} cores), "
        f"{'quick' if s['quick'] else 'full'}, load average {load['load_before']['1m']} before, "
        f"{load['load_after']['1m']} after. Each count's consumers restarted together on one "
        "group; drain: the rate over a backlog produced while they were stopped; sustainable: "
        "the same search as the modes' (quick: not searched, one paced window at half the drain "
        "rate). CPU per payment (microseconds, consumers summed) over the highest window whose "
        "lag stayed bounded, with the load average at its start and end. Every process shares "
        "this machine's cores, so past the cores the curve flattens: the figures are as measured.",
        "",
        row(
            "mode",
            "consumers",
            "sustainable tx/s",
            "drain tx/s",
            "x 1 consumer",
            "CPU at tx/s",
            *PROCESSES,
            "load (window)",
            "rates tried (lag bounded?)",
        ),
        row(*["---"] * (8 + len(PROCESSES))),
    ]
    for mode, figures in s["modes"].items():
        consumers = figures["consumers"]
        ratios = speedups(consumers)
        for count in sorted(consumers, key=int):
            c = consumers[count]
            sustained = "not searched" if c["max_tps_verified"] is None else f"{c['max_tps']:,.0f}"
            tried = ", ".join(
                f"{a['rate_tps']:,} ({'yes' if a['bounded'] else 'no'})" for a in c["attempts"]
            )
            cpu = c["cpu_us_per_payment"]
            cells = [sustained, f"{c['drain_tps']:,.0f}", f"{ratios[count]:.2f}"]
            cells += [f"{c['cpu_at_tps']:,}", *(_cell(cpu, name) for name in PROCESSES)]
            cells += [f"{c['load_1m'][0]} - {c['load_1m'][1]}", tried or "-"]
            lines.append(row(mode, count, *cells))
    lines += [
        "",
        f"Checked by transaction id over {total['runs']} runs: {total['scored']:,} scored of "
        f"{total['produced']:,} produced, {total['missing']} missing, {total['unexpected']} "
        f"unexpected, {total['repeated']} records repeated on the scored topic.",
    ]
    return lines
