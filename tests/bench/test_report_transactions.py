"""Exactly-once's part of the benchmark report: the target judged on the median of the
per-round ratios to the Kafka floor of the same round, rounds on both sides of 2x said in
words, and the markdown with the floor's rounds, the 5,000 tx/s cost and the commit interval."""

from fraud_bench import report
from fraud_bench.transactions import floor_ratios
from fraud_bench.variants import FLOOR, medians, paired
from tests.bench.test_report import result
from tests.bench.test_report_variants import section

TARGET = (
    "exactly-once p99 (to Redis) <= 2x the Kafka floor p99 at 1,000 tx/s (median of per-round "
    "ratios, floor in the same rounds, its interval within 2x)"
)
VISIBLE = {"p50_ms": 50.0, "p95_ms": 90.0, "p99_ms": 100.0}


def window(k: int, p99: float, rate_saturated: bool = False) -> dict:
    return {"round": k, "p50_ms": 4.0, "p95_ms": p99, "p99_ms": p99, "scoring_p50_ms": 0.5,
            "scoring_p99_ms": 1.0, "sinks_p50_ms": 1.0, "sinks_p99_ms": 2.0, "produced": 10_000,
            "scored": 10_000, "achieved_tps": 1_000.0, "seconds": 10.0,
            "saturated": rate_saturated, "visible": VISIBLE}  # fmt: skip


def delivery(p99s: list[float]) -> dict:
    rounds = [window(k, p99) for k, p99 in enumerate(p99s)]
    return {"drain_tps": 4_000.0, "max_tps": 3_000.0, "max_tps_verified": True, "attempts": [],
            "rounds": rounds, **medians(rounds),
            "pooled": {"p50_ms": 4.0, "p95_ms": 9.0, "p99_ms": max(p99s)}}  # fmt: skip


def interval(p99s: list[float], floor: list[float]) -> dict:
    """Exactly-once at another commit interval: rounds only, its ratio to the same floor."""
    rounds = [window(k, p99) for k, p99 in enumerate(p99s)]
    for w in rounds:
        w["cpu_us_per_payment"] = {"broker": 250.0, "consumer": 600.0}
    ratios = [round(p / f, 3) for p, f in zip(p99s, floor, strict=False)]
    return {"rounds": rounds, **medians(rounds), "pooled": {"p99_ms": max(p99s)},
            "floor_ratio": {"per_round": ratios, "median": sorted(ratios)[len(ratios) // 2],
                            "pooled": 1.0}}  # fmt: skip


def transactions(eos: list[float], floor: list[float], intervals: bool = True) -> dict:
    floors = [{"round": k, "messages": 10_000, "p50_ms": 2.0, "p95_ms": p99, "p99_ms": p99}
              for k, p99 in enumerate(floor)]  # fmt: skip
    variants = {
        "exactly-once": delivery(eos),
        "at-least-once": delivery([p - 1.0 for p in eos]),
        FLOOR: {"rounds": floors, "p50_ms": 2.0, "p99_ms": sorted(floor)[len(floor) // 2],
                "pooled": {"p50_ms": 2.0, "p95_ms": 5.0, "p99_ms": max(floor)}},
    }  # fmt: skip
    high = {
        d: {**window(0, 900.0, rate_saturated=True), "run_id": "h"} for d in variants if d != FLOOR
    }
    return section(
        variants,
        rounds=len(eos),
        seconds=10.0,
        floor_ratio=floor_ratios(variants, "exactly-once"),
        p99_added=paired(variants["at-least-once"], variants["exactly-once"]),
        high_rate=high if intervals else {},
        default_interval_ms=100,
        intervals={"50": interval([12.0, 14.0, 13.0][: len(eos)], floor)} if intervals else {},
    )


def judged(section: dict) -> tuple[bool, str]:
    found = {t: (ok, got) for t, ok, got in report.targets({**result(), "transactions": section})}
    return found[TARGET]


def test_the_floor_ratio_pairs_each_round_with_the_floor_of_that_round() -> None:
    # The floor's round 1 ran in a slow phase: its pipeline round too, the ratio stays 1.5x.
    ratio = floor_ratios(transactions([15.0, 150.0, 30.0], [10.0, 100.0, 10.0])["variants"],
                         "exactly-once")  # fmt: skip
    assert ratio == {"per_round": [1.5, 1.5, 3.0], "median": 1.5, "pooled": 1.5}


def test_the_target_is_the_median_ratio_with_its_interval() -> None:
    ok, got = judged(transactions([15.0, 150.0, 18.0], [10.0, 100.0, 10.0]))
    assert ok, got
    assert got.startswith("1.50x (per round 1.50-1.80x; pooled 1.50x: 150.0 ms vs 100.0 ms)")
    assert "the median's interval over the rounds 1.50-1.80x (75%);" in got
    # One round of three at 3x: the median says 1.5x, the rounds cannot settle it.
    ok, got = judged(transactions([15.0, 150.0, 30.0], [10.0, 100.0, 10.0]))
    assert not ok, got
    assert "1.50-3.00x (75%), on both sides of 2x: this run cannot settle the target" in got
    ok, got = judged(transactions([21.0, 210.0, 21.0], [10.0, 100.0, 10.0]))
    assert not ok, got
    assert "both sides" not in got


def test_a_run_without_the_section_has_no_transactions_target() -> None:
    assert not [t for t, _, _ in report.targets(result()) if "exactly-once" in t]


def test_the_markdown_shows_rounds_floor_high_rate_and_interval() -> None:
    section = transactions([15.0, 150.0, 30.0], [10.0, 100.0, 10.0])
    markdown = report.markdown({**result(), "transactions": section, "targets": []})
    assert (
        "| exactly-once | 4.00 | 30.00 | 150.00 | 15.00, 150.00, 30.00 | 50.00 / 100.00 "
        "| 30,000 | 30,000 | 3,000 (4,000) |" in markdown
    )
    assert (
        "| Kafka floor | 2.00 | 10.00 | 100.00 | 10.00, 100.00, 10.00 | - | 30,000 messages"
        in markdown
    )
    assert (
        "1.50x, 1.50x, 3.00x (median 1.50x, the target's figure; pooled windows 1.50x)" in markdown
    )
    assert (
        "| exactly-once (queueing) | 4.00 / 900.00 | 50.00 / 100.00 | 10,000 | 10,000 |" in markdown
    )
    assert (
        "| 50 ms | 4.00 | 13.00 | 12.00, 14.00, 13.00 | 1.20x | 50.00 / 100.00 | 250.0 | 30,000 "
        "| 30,000 |" in markdown
    )
    # The default's row is the exactly-once rounds' (no CPU figures in this report), after 50.
    default = (
        "| 100 ms (default) | 4.00 | 30.00 | 15.00, 150.00, 30.00 | 1.50x | 50.00 / 100.00 | - |"
    )
    assert default in markdown
    assert markdown.index("| 50 ms |") < markdown.index(default)
    assert "the default, 100 ms, is the exactly-once row above" in markdown
    quick = report.markdown({**result(), "transactions": transactions([15.0], [10.0], False),
                             "targets": []})  # fmt: skip
    assert "Commit interval" not in quick
    assert "At 5,000 tx/s" in markdown
    assert "At 5,000 tx/s" not in quick


def test_each_deliverys_cpu_per_payment_is_shown_by_process() -> None:
    section = transactions([15.0, 16.0, 17.0], [10.0, 10.0, 10.0])
    for name, broker in (("exactly-once", 280.0), ("at-least-once", 330.0)):
        for window in section["variants"][name]["rounds"]:
            window["cpu_us_per_payment"] = {"broker": broker, "consumer": 600.0, "redis": 170.0}
    markdown = report.markdown({**result(), "transactions": section, "targets": []})
    assert "| delivery | broker | consumer | redis | sum |" in markdown
    assert "| exactly-once | 280.0 | 600.0 | 170.0 | 1,050.0 |" in markdown
    assert "| at-least-once | 330.0 | 600.0 | 170.0 | 1,100.0 |" in markdown
