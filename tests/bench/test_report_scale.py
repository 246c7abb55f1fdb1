"""The scale section's judging and rendering: payments checked by id across every run, capacity
against one consumer's (sustainable where searched, drain otherwise), CPU with the consumers
summed, the flattening curve shown as measured; and a report without the section unchanged."""

import json
from pathlib import Path

from fraud_bench import report
from fraud_bench.report_scale import checked, scale_section, scale_targets, speedups
from fraud_bench.scale import check_runs, summed

ROOT = Path(__file__).resolve().parents[2]


def run(produced: int, scored: int | None = None, missing: int = 0) -> dict[str, int]:
    scored = produced if scored is None else scored
    return {"produced": produced, "scored": scored, "missing": missing, "unexpected": 0,
            "repeated": 0}  # fmt: skip


def count(drain: float, sustainable: float | None, consumer_us: float) -> dict:
    return {
        "drain_tps": drain,
        "max_tps": drain if sustainable is None else sustainable,
        "max_tps_verified": None if sustainable is None else sustainable > 0,
        "attempts": []
        if sustainable is None
        else [{"rate_tps": round(sustainable), "bounded": True}],
        "windows": [],
        "cpu_us_per_payment": {
            "consumer": consumer_us,
            "broker": 150.0,
            "redis": 40.0,
            "load_generator": 20.0,
        },
        "cpu_at_tps": round(sustainable or drain / 2),
        "load_1m": [2.1, 2.4],
    }


def section(runs: dict, quick: bool = False) -> dict:
    searched = None if quick else 1.0
    return {
        "quick": quick,
        "measured_at": "2026-12-02T14:00:00Z",
        "machine": {"cpus": 2, "load_before": {"1m": 0.3}, "load_after": {"1m": 1.9}},
        "cpu": "AMD EPYC",
        "partitions": 12,
        "seconds": 15.0,
        "backlog": 30_000,
        "modes": {
            "embedded": {
                "consumers": {
                    "1": count(8_000, searched and 6_000, 120.0),
                    "2": count(9_000, searched and 6_600, 131.0),
                    "4": count(8_800, searched and 6_300, 150.0),
                },
                "runs": runs,
            }
        },
        "nothing_lost": all(r["missing"] == r["unexpected"] == 0 for r in runs.values()),
    }


def test_runs_are_judged_by_transaction_id_over_every_mode() -> None:
    good = section({"warm1": run(300), "cap1": run(30_000)})
    ((name, ok, measured),) = scale_targets({"scale": good})
    assert ok
    assert name == "scale: every payment scored once, checked by transaction id"
    assert measured == "30,300 of 30,300 in 2 runs; 0 missing, 0 unexpected"
    assert checked(good)["runs"] == 2
    lossy = section({"warm1": run(300), "cap1": run(30_000, 29_999, missing=1)})
    ((_, ok, measured),) = scale_targets({"scale": lossy})
    assert not ok
    assert "1 missing" in measured
    assert scale_targets({}) == []


def test_each_count_is_set_against_one_consumer_sustainable_or_drain() -> None:
    full = section({"a": run(10)})["modes"]["embedded"]["consumers"]
    assert {k: round(v, 2) for k, v in speedups(full).items()} == {"1": 1.0, "2": 1.1, "4": 1.05}
    quick = section({"a": run(10)}, quick=True)["modes"]["embedded"]["consumers"]
    assert {k: round(v, 3) for k, v in speedups(quick).items()} == {"1": 1.0, "2": 1.125, "4": 1.1}


def test_the_markdown_shows_every_count_its_cpu_and_the_check() -> None:
    lines = scale_section({"scale": section({"warm1": run(300), "cap1": run(30_000)})})
    text = "\n".join(lines)
    assert "## Scale-out: consumers in one group (12 partitions)" in text
    assert "AMD EPYC (2 cores), full, load average 0.3 before, 1.9 after" in text
    table = [line for line in lines if line.startswith("|")]
    assert len({line.count(" | ") for line in table}) == 1, "every row as wide as the header"
    rows = [line for line in lines if line.startswith("| embedded |")]
    assert rows[0].startswith("| embedded | 1 | 6,000 | 8,000 | 1.00 | 6,000 | 120.0 | - | 40.0 |")
    assert rows[2].startswith("| embedded | 4 | 6,300 | 8,800 | 1.05 | 6,300 | 150.0 |")
    assert rows[0].endswith("| 2.1 - 2.4 | 6,000 (yes) |")
    assert "over 2 runs: 30,300 scored of 30,300 produced, 0 missing" in text
    quick = "\n".join(scale_section({"scale": section({"a": run(10)}, quick=True)}))
    assert "| embedded | 2 | not searched | 9,000 | 1.12 |" in quick
    assert scale_section({}) == []


def test_the_report_renders_and_judges_the_section_with_the_rest() -> None:
    committed = json.loads((ROOT / "reports" / "bench.json").read_text())
    committed.pop("scale", None)
    before = [name for name, _, _ in report.targets(committed)]
    result = {**committed, "scale": section({"a": run(5), "b": run(7)})}
    judged = report.targets(result)
    assert [name for name, _, _ in judged if name not in before] == [
        "scale: every payment scored once, checked by transaction id"
    ]
    result["targets"] = [{"target": t, "met": ok, "measured": m} for t, ok, m in judged]
    text = report.markdown(result)
    assert "## Scale-out: consumers in one group (12 partitions)" in text
    assert text.index("## Scale-out") < text.index("## Floors")
    assert "## Scale-out" not in report.markdown({**committed, "targets": []})


def test_consumers_are_summed_into_one_figure_and_the_rest_kept() -> None:
    figures = {"consumer-c1": 60.25, "consumer-c2": 61.0, "broker": 150.0, "scorer": 30.0}
    assert summed(figures) == {"consumer": 121.2, "broker": 150.0, "scorer": 30.0}


def test_a_run_is_checked_id_by_id() -> None:
    scored = {
        "ok": ["tx-ok-0000000000", "tx-ok-0000000001", "tx-ok-0000000001"],
        "gap": ["tx-gap-0000000000", "tx-gap-0000000005"],
    }
    checked_runs = check_runs({"ok": 2, "gap": 3, "none": 1}, scored)
    assert checked_runs["ok"] == {"produced": 2, "scored": 2, "missing": 0, "unexpected": 0,
                                  "repeated": 1}  # fmt: skip
    assert checked_runs["gap"] == {"produced": 3, "scored": 2, "missing": 2, "unexpected": 1,
                                   "repeated": 0}  # fmt: skip
    assert checked_runs["none"]["missing"] == 1


def test_the_committed_section_checked_every_payment_and_kept_its_search() -> None:
    """reports/bench.json's scale part: every run's payments all scored once, and each count's
    sustainable rate the highest of its attempts whose lag stayed bounded."""
    committed = json.loads((ROOT / "reports" / "bench.json").read_text()).get("scale")
    if committed is None:
        return  # the section is optional in a report (make bench-sections SECTIONS=scale)
    assert committed["nothing_lost"]
    total = checked(committed)
    assert total["produced"] == total["scored"] > 0
    assert total["missing"] == total["unexpected"] == total["repeated"] == 0
    for mode in committed["modes"].values():
        for figures in mode["consumers"].values():
            if figures["max_tps_verified"]:
                held = [a["rate_tps"] for a in figures["attempts"] if a["bounded"]]
                assert figures["max_tps"] == max(held)
