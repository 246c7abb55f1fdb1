"""What a report says of where it was measured, and how it is written."""

import json
from pathlib import Path

from fraud_bench.stats import load_average, measured_on, measured_sentence, write_report


def test_the_measured_sentence_says_the_reports_time_cpus_and_loads() -> None:
    report = measured_on({"1m": 0.5, "5m": 0.4, "15m": 0.3})
    machine = report["machine"]
    assert isinstance(machine, dict)
    assert measured_sentence(report) == (
        f"Measured {report['measured_at']} on {machine['cpus']} CPUs, load average 0.5 before, "
        f"{machine['load_after']['1m']} after."
    )
    assert set(load_average()) == {"1m", "5m", "15m"}


def test_a_report_is_written_as_json_beside_its_summary(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "new"
    write_report(out, {"figure": 1.5}, ("thing.json", "thing.md"), "# Thing\n")
    assert json.loads((out / "thing.json").read_text()) == {"figure": 1.5}
    assert (out / "thing.json").read_text().endswith("}\n")
    assert (out / "thing.md").read_text() == "# Thing\n"
