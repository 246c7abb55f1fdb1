"""The fetch-batching part of the benchmark report: each variant's latency, what it added over
the default paired by round, its CPU per payment, and nothing lost judged from its rounds."""

from fraud_bench import report
from fraud_bench.fetch_batching import DEFAULT, cpu_medians
from fraud_bench.variants import paired
from tests.bench.test_report import result
from tests.bench.test_report_variants import section, variant


def fetch_section(scored: int = 1_000) -> dict:
    base = variant([10.0, 12.0, 30.0])
    waited = variant([8.0, 13.0, 20.0], scored=scored)
    for figures, fetch, cpu in ((base, (1, 500), 700.0), (waited, (2_048, 3), 550.0)):
        figures["fetch"] = {"min_bytes": fetch[0], "wait_max_ms": fetch[1]}
        figures["cpu_us_per_payment"] = {"consumer": cpu, "broker": 300.0}
    waited["p50_added"] = paired(base, waited, "p50_ms")
    waited["p99_added"] = paired(base, waited)
    return section({DEFAULT: base, "2KiB-3ms": waited})


def test_cpu_is_the_median_of_the_rounds_per_process() -> None:
    rounds = [
        {"cpu_us_per_payment": {"consumer": 600.0, "broker": 300.0}},
        {"cpu_us_per_payment": {"consumer": 700.0}},
        {"cpu_us_per_payment": {"consumer": 650.0, "broker": 320.0}},
    ]
    # A round that did not see a process counts as none for it.
    assert cpu_medians(rounds) == {"broker": 300.0, "consumer": 650.0}


def test_the_section_renders_each_variant_against_the_default() -> None:
    markdown = report.markdown({**result(), "fetch_batching": fetch_section(), "targets": []})
    assert "## Fetch batching of the input consumer, embedded scoring" in markdown
    default = "| at-once | 1 / 500 | 4.00 | 12.00 | - | - | 700 | 300 | - | 3,000 | 3,000 |"
    assert default in markdown
    assert (
        "| 2KiB-3ms | 2,048 / 3 | 4.00 | 13.00 | +0.00 (+0.0 to +0.0) | -2.00 (-10.0 to +1.0) "
        "| 550 | 300 | - | 3,000 | 3,000 |"
    ) in markdown


def test_a_payment_lost_in_any_round_fails_the_section() -> None:
    def met(r: dict) -> dict[str, bool]:
        return {t: ok for t, ok, _ in report.targets(r)}

    target = "fetch batching: nothing lost in any run"
    assert met({**result(), "fetch_batching": fetch_section()})[target]
    assert not met({**result(), "fetch_batching": fetch_section(scored=999)})[target]
    assert target not in met(result())
