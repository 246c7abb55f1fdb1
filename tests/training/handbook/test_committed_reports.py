"""The committed handbook reports are what their make targets write: the Markdown is rendered
from the JSON, the acceptance block is judged from the models, and the default report's data
is what the simulator makes today."""

import json
from pathlib import Path

import pytest

from fraud_training.handbook import report
from fraud_training.handbook.command import load

REPORTS = Path(__file__).parents[3] / "reports"
COMMITTED = ("handbook_benchmark.json", "handbook_benchmark_published.json")


@pytest.mark.parametrize("name", COMMITTED)
def test_markdown_and_acceptance_follow_from_the_json(name: str) -> None:
    result = json.loads((REPORTS / name).read_text())
    assert (REPORTS / name).with_suffix(".md").read_text() == report.markdown(result)
    assert result["acceptance"] == report.acceptance(result["models"])
    assert result["published"] == report.published_layout()
    for model in ("xgboost_handbook", "random_forest_handbook", "logistic_regression_handbook",
                  "xgboost_ours"):  # fmt: skip
        assert set(result["models"][model]) >= {"auc", "ap", "cp100"}


@pytest.mark.slow
def test_default_report_is_on_the_data_the_simulator_makes_today() -> None:
    result = json.loads((REPORTS / "handbook_benchmark.json").read_text())
    _, source = load(None, seed=result["data"]["seed"])
    assert source == result["data"]


def test_the_simulator_report_and_the_published_data_report_share_their_data() -> None:
    # Seed 0 of our re-implementation is the handbook's published dataset, row for row.
    simulated, published = (json.loads((REPORTS / name).read_text())["data"] for name in COMMITTED)
    assert simulated["sha256"] == published["sha256"]
    assert simulated["rows"] == published["rows"] == 1_754_155
