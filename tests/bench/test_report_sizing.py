"""The sizing table: cores per 10,000 tx/s from the CPU per payment of the processes a
deployment runs, the load generator apart, saturated windows said so; a report without CPU
figures says what to run instead."""

from fraud_bench.report_sizing import cores, table


def result(with_cpu: bool = True) -> dict:
    def run(consumer: float, scorer: float | None, saturated: bool = False) -> dict:
        cpu = {"consumer": consumer, "broker": 150.0, "redis": 50.0, "load_generator": 20.0}
        if scorer is not None:
            cpu["scorer"] = scorer
        return {"saturated": saturated, "cpu_us_per_payment": cpu if with_cpu else {}}

    return {
        "quick": False,
        "measured_at": "2026-12-03T10:00:00Z",
        "machine": {"cpu": "AMD EPYC", "cores": 2},
        "pipeline": {
            "embedded": {"100": run(400.0, None), "1000": run(100.0, None),
                         "5000": run(80.0, None)},
            "remote": {"1000": run(120.0, 60.0), "5000": run(110.0, 50.0, saturated=True)},
            "naive": {"1000": run(900.0, 700.0)},
        },
    }  # fmt: skip


def test_cores_are_cpu_per_payment_times_the_rate() -> None:
    assert cores(100.0) == 1.0
    assert cores(250.0, tps=4_000) == 1.0


def test_each_deployed_mode_at_1000_and_5000_sums_its_processes() -> None:
    lines = table(result()).splitlines()
    assert lines[0].startswith("From `reports/bench.json` (full run of 2026-12-03 on AMD EPYC, 2")
    assert lines[2] == (
        "| mode | measured at | consumer | scorer | redis | broker | sum (us) "
        "| cores per 10,000 tx/s | load generator (apart, us) |"
    )
    rows = lines[4:]
    assert rows == [
        "| embedded | 1,000 tx/s | 100.0 | - | 50.0 | 150.0 | 300.0 | 3.0 | 20.0 |",
        "| embedded | 5,000 tx/s | 80.0 | - | 50.0 | 150.0 | 280.0 | 2.8 | 20.0 |",
        "| remote | 1,000 tx/s | 120.0 | 60.0 | 50.0 | 150.0 | 380.0 | 3.8 | 20.0 |",
        "| remote | 5,000 tx/s (above capacity) | 110.0 | 50.0 | 50.0 | 150.0 | 360.0 | 3.6 "
        "| 20.0 |",
    ]


def test_a_report_without_cpu_figures_says_what_measures_them() -> None:
    text = table(result(with_cpu=False))
    assert text.startswith("No CPU figures yet: the committed benchmark (2026-12-03)")
    assert "`make bench`" in text
