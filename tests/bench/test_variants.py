"""The statistics a paired section is judged on: per-round differences and their median, each
variant's spread, and nothing lost counting payments only (a floor window carries none); a
variant measured in the rounds only."""

import math
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from fraud_bench import floors
from fraud_bench.report_rows import median_interval, within_budget
from fraud_bench.variants import (
    BUDGET_FULL,
    FLOOR,
    FULL,
    PAIRED_FULL,
    QUICK,
    SectionPlan,
    compare,
    medians,
    nothing_lost,
    paired,
    paired_plan,
    run_id,
    spread,
    warm_pipeline,
    window_latency,
)


def rounds(key: str, values: list[float], **extra: object) -> dict:
    return {"rounds": [{"round": k, key: v, **extra} for k, v in enumerate(values)]}


def test_paired_differences_pair_each_round_with_its_own() -> None:
    base = rounds("p99_ms", [10.0, 60.0, 12.0])
    other = rounds("p99_ms", [11.0, 62.5, 11.0])
    assert paired(base, other) == {"per_round": [1.0, 2.5, -1.0], "median": 1.0}


def test_a_noisy_round_moves_the_median_of_pairs_less_than_the_medians_difference() -> None:
    # Round 1 is a slow phase for both: the pair sees +1 ms, the medians' difference +40 ms.
    base = rounds("p99_ms", [10.0, 50.0, 11.0, 12.0])
    other = rounds("p99_ms", [11.0, 51.0, 52.0, 13.0])
    assert paired(base, other)["median"] == 1.0


def test_a_round_only_one_variant_ran_is_not_paired() -> None:
    base = rounds("p99_ms", [10.0])
    other = rounds("p99_ms", [11.0, 99.0])
    assert paired(base, other)["per_round"] == [1.0]
    assert math.isnan(paired(rounds("p99_ms", []), other)["median"])


def test_spread_is_the_lowest_and_highest_round() -> None:
    assert spread(rounds("p99_ms", [48.3, 94.6, 55.5])) == (48.3, 94.6)


def test_nothing_lost_counts_payments_not_floor_messages() -> None:
    paid = rounds("p99_ms", [1.0], produced=10, scored=10)
    assert nothing_lost({"a": paid, FLOOR: rounds("p99_ms", [1.0], messages=5)})
    assert not nothing_lost({"a": rounds("p99_ms", [1.0], produced=10, scored=9)})


def test_a_paired_section_runs_more_rounds_only_in_a_full_run() -> None:
    assert paired_plan(QUICK) is QUICK
    assert paired_plan(FULL) is PAIRED_FULL
    assert PAIRED_FULL.rounds > FULL.rounds
    assert paired_plan(QUICK, budget=True) is QUICK
    assert paired_plan(FULL, budget=True) is BUDGET_FULL
    assert BUDGET_FULL.rounds >= 2 * PAIRED_FULL.rounds


def test_a_full_paired_verdict_survives_one_disturbed_round_on_each_side() -> None:
    """The median's interval over the rounds leaves the extremes out: one window a stall
    disturbed, either way, does not decide whether a budget is met."""
    differences = [0.5] * PAIRED_FULL.rounds
    differences[0], differences[-1] = -30.0, 30.0
    low, high, coverage = median_interval(differences)
    assert (low, high) == (0.5, 0.5)
    assert coverage >= 0.95
    assert within_budget(differences, 1.0)


def test_a_window_counts_the_payments_it_flagged_and_a_variant_sums_them() -> None:
    def record(decision: str) -> dict:
        return {"decision": decision, "timings": {"end_to_end_ms": 5.0, "scoring_ms": 0.5}}

    window = window_latency([record("approve"), record("review"), record("block")])
    assert window["flagged"] == 2
    assert window["p50_ms"] == 5.0
    counted = [{**window, "round": k, "produced": 3, "scored": 3} for k in range(2)]
    assert medians(counted)["flagged"] == 4
    # A round of a run that did not count (an older report) leaves the variant's total out.
    uncounted = [counted[0], {k: v for k, v in counted[1].items() if k != "flagged"}]
    assert "flagged" not in medians(uncounted)


class DrainCountingBench:
    """compare's view of a pipeline: drains counted, windows answered from their run ids."""

    def __init__(self) -> None:
        self.drains = 0
        self.capacities: dict[str, float] = {}

    def capacity(self, backlog: int) -> float:
        self.drains += 1
        return 3_000.0 + self.drains

    def at_rate(self, rate: float, seconds: float, capacity: float, *, run_id: str) -> dict:
        self.capacities[run_id] = capacity
        return {"produced": 10, "scored": 10, "seconds": seconds, "saturated": False}

    def records(self) -> dict:
        return {}


def test_a_rounds_only_variant_gets_windows_but_no_drain_and_the_others_capacity() -> None:
    bench = DrainCountingBench()
    plan = SectionPlan(seconds=1.0, rounds=2, backlog=100, verify=False, drains=1)
    switched: list[str] = []
    result = compare(bench, ["a", "b", "c"], switched.append, plan, rounds_only=["c"])  # type: ignore[arg-type]
    assert bench.drains == 2  # a and b only
    assert "drain_tps" not in result["c"]
    assert [w["round"] for w in result["c"]["rounds"]] == [0, 1]
    assert bench.capacities[run_id("c", 0)] == max(
        result["a"]["drain_tps"], result["b"]["drain_tps"]
    )
    assert switched.count("c") == 2  # one switch per window, none for a drain


class CompilingBroker:
    """A broker's JIT compiler as ``compare`` sees it, on a clock of its own: so many CPU seconds
    compiled per window of traffic."""

    def __init__(self, per_window_s: list[float]) -> None:
        self.spent = self.now = 0.0
        self.per_window_s: Iterator[float] = iter(per_window_s)

    def window(self, seconds: float) -> None:
        self.spent += next(self.per_window_s, 0.0)
        self.now += seconds


class WarmingBench(DrainCountingBench):
    def __init__(self, broker: CompilingBroker | None) -> None:
        super().__init__()
        self.broker = broker
        self.infrastructure = {"broker": 4242} if broker else {}
        self.windows = 0

    def at_rate(self, rate: float, seconds: float, capacity: float, *, run_id: str) -> dict:
        self.windows += 1
        if self.broker is not None:
            self.broker.window(seconds)
        return super().at_rate(rate, seconds, capacity, run_id=run_id)

    def sustainable(self, drain: float, seconds: float) -> tuple[float, list]:
        return drain, []


def compiling(monkeypatch: pytest.MonkeyPatch) -> CompilingBroker:
    broker = CompilingBroker([2.0, 0.0, 1.0, 0.0])  # 40% of a core over 5 s, quiet, 20%, quiet
    monkeypatch.setattr(floors, "compiler_cpu_s", lambda pid: broker.spent)
    monkeypatch.setattr(floors, "time", SimpleNamespace(monotonic=lambda: broker.now))
    return broker


def test_the_pipeline_warms_the_broker_until_its_compiler_is_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bench = WarmingBench(compiling(monkeypatch))
    switched: list[str] = []
    shares = warm_pipeline(bench, switched.append, "exactly-once")  # type: ignore[arg-type]
    assert switched == ["exactly-once"]
    assert shares == [0.4, 0.0, 0.2, 0.0, 0.0]  # two quiet windows in a row end it


def test_no_broker_pid_no_warm_up() -> None:
    bench = WarmingBench(None)
    assert warm_pipeline(bench, lambda variant: None, "exactly-once") == []  # type: ignore[arg-type]
    assert bench.windows == 0


def test_only_a_full_comparison_warms_the_pipeline_before_its_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quick = WarmingBench(compiling(monkeypatch))
    compare(quick, ["a"], lambda variant: None, QUICK)  # type: ignore[arg-type]
    assert quick.windows == QUICK.rounds  # the measured windows only
    full = WarmingBench(compiling(monkeypatch))
    plan = SectionPlan(seconds=1.0, rounds=1, backlog=100, verify=True)
    compare(full, ["a"], lambda variant: None, plan)  # type: ignore[arg-type]
    assert full.windows == 5 + plan.rounds  # the warm-up's five, then the round
