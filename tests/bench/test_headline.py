"""The headline measured alone: ratios from its own figures, written into an existing report."""

from pathlib import Path

import pytest

from fraud_bench import headline, report
from tests.bench.test_report import result


def test_ratios_are_each_modes_p50_over_the_floor_at_its_rate() -> None:
    ratios = headline.ratios(result())
    assert ratios["embedded p50 / Kafka floor p50 at 1000 tx/s"] == pytest.approx(5.0 / 2.0)
    assert ratios["naive p50 / Kafka floor p50 at 5000 tx/s"] == pytest.approx(50.0 / 2.0)
    assert ratios["remote max_tps / naive max_tps"] == pytest.approx(6_000.0 / 400.0)
    assert len(ratios) == len(headline.MODES) * len(headline.RATES) + 1


def test_the_headline_replaces_its_keys_and_keeps_the_sections() -> None:
    existing = {**result(), "rules": {"kept": True}, "targets": [{"stale": True}]}
    measured = {**result(), "measured_at": "2026-12-04T00:00:00Z"}
    updated = report.merged(existing, measured)
    assert updated["rules"] == {"kept": True}
    assert updated["measured_at"] == "2026-12-04T00:00:00Z"
    assert "targets" not in updated  # judged again when written


def test_the_headline_needs_a_report_to_update(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run the whole benchmark first"):
        headline.run(True, tmp_path, tmp_path)
