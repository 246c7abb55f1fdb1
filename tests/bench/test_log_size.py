"""Decision log sizing: the production writer and label join into a real PostgreSQL, measured
whole; the committed report is this code's."""

import json
from pathlib import Path

import pytest

from fraud_bench import log_size
from fraud_simulator.dataset import DatasetSpec
from fraudcore.features import FEATURE_NAMES

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "training" / "artifacts"


@pytest.mark.integration
def test_a_small_world_is_written_and_measured_whole() -> None:
    result = log_size.measure(MODEL_DIR, DatasetSpec(days=2, customers=200, seed=7))
    decisions, labels = result["decisions"], result["labels"]
    assert decisions["rows"] == labels["rows"] > 500  # every payment decided and labelled once
    assert decisions["partitions"] == labels["partitions"] >= 2  # one a day, at least
    # the float4 features alone are 4 B each; a row beyond 4 kB would mean TOASTed bloat
    assert 4 * len(FEATURE_NAMES) < result["bytes_per_decision"] < 4_000
    assert 0 < result["bytes_per_label"] < result["bytes_per_decision"]
    per_day = result["gb_per_day"]["1000"]
    expected = (
        1_000 * 86_400 * (decisions["bytes"] / decisions["rows"] + labels["bytes"] / labels["rows"])
    )
    assert per_day == pytest.approx(expected / 1e9, abs=0.01)


def test_the_committed_report_has_what_this_code_writes() -> None:
    committed = json.loads((ROOT / "reports" / log_size.REPORT).read_text())
    assert committed["world"] == {"days": 7, "customers": 2_000, "seed": 7}  # make's defaults
    assert committed["bytes_per_decision"] == round(
        committed["decisions"]["bytes"] / committed["decisions"]["rows"]
    )
    assert committed["bytes_per_label"] == round(
        committed["labels"]["bytes"] / committed["labels"]["rows"]
    )
