"""``fraud-train evaluate`` on a small world with the committed model: its point figures are the
model card's own evaluation code's on the same payments, the policy is ``fraudcore.decisions``'s,
and a dataset that is not the model's is refused with a clear message."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraud_simulator.dataset import DatasetSpec, generate
from fraud_training.cli import main
from fraud_training.evaluation import evaluate as card_evaluate
from fraud_training.export import onnx_scores, xgboost_json_scores
from fraud_training.incidents import began_before
from fraud_training.known_cards import known_compromised
from fraud_training.offline_eval import command, figure, report
from fraud_training.offline_eval.budget import BudgetThreshold
from fraud_training.policy import decision_levels
from fraud_training.protocol import Split
from fraudcore.features import replay
from fraudcore.model_card import ONNX_FILE, XGBOOST_FILE, ModelCard

ARTIFACTS = Path(__file__).resolve().parents[3] / "training" / "artifacts"
REPLICATES = 30
# The model's own budget, as the validation weeks would give it (a small world has none).
BUDGET = BudgetThreshold(threshold=0.3, validation_payments=1_000, validation_known=100)


@pytest.fixture(scope="module")
def world() -> tuple[pd.DataFrame, np.ndarray, Split]:
    table = generate(DatasetSpec(days=10, seed=5, customers=600))
    table = table.sort_values("event_time", kind="stable", ignore_index=True)
    table["is_fraud"] = table["is_fraud"].astype(bool)
    first = table["event_time"].iloc[0].normalize()
    return table, replay(table), Split("test", first, 4, 2, 4)


@pytest.fixture(scope="module")
def assessed(world) -> tuple[dict, pd.DataFrame]:
    table, features, split = world
    inside = split.assess_rows(table["event_time"])
    card = ModelCard.load(ARTIFACTS)
    return command.assess(
        table, features, inside, split, card, ARTIFACTS, REPLICATES, budget=BUDGET,
        known=known_compromised(table),
    )  # fmt: skip


def test_point_figures_are_the_model_cards_evaluation_on_the_same_payments(world, assessed) -> None:
    table, features, split = world
    result, _ = assessed
    inside = split.assess_rows(table["event_time"])
    rows = table[inside].reset_index(drop=True)
    card = ModelCard.load(ARTIFACTS)
    earlier = began_before(table, split.assess_start)
    served = onnx_scores(ARTIFACTS / ONNX_FILE, features[inside])
    levels = decision_levels(served, features[inside], card.thresholds)
    policy = card_evaluate(levels, rows, {"review": 1.0, "block": 2.0}, earlier)
    mine = result["payments"]
    assert result["test_week"]["frauds"] == policy["frauds"] > 10
    for level, name in (("review", "policy_review"), ("block", "policy_block")):
        for key in ("precision", "recall", "amount_weighted_recall", "alert_rate"):
            assert mine[name][key]["value"] == pytest.approx(policy[level][key])
        assert {s: v["value"] for s, v in mine[name]["recall_by_scenario"].items()} == (
            pytest.approx(policy[level]["recall_by_scenario"])
        )
    incidents = result["incidents"]["policy_review"]
    for scenario, figures in policy["review"]["incidents"].items():
        assert incidents[scenario]["detection_rate"]["value"] == figures["detection_rate"]


def test_the_known_card_rule_leaves_the_model_the_other_cards_payments(world, assessed) -> None:
    table, features, split = world
    result, _ = assessed
    inside = split.assess_rows(table["event_time"])
    known = known_compromised(table)[inside]
    rows = table[inside].reset_index(drop=True)[~known].reset_index(drop=True)
    card = ModelCard.load(ARTIFACTS)
    score = xgboost_json_scores(ARTIFACTS / XGBOOST_FILE, features[inside][~known])
    theirs = card_evaluate(score, rows, {"review": card.thresholds.review, "budget": 0.3})
    rule = result["known_card_rule"]
    assert 0 < rule["known"]["payments"] < result["test_week"]["payments"]
    assert rule["known"]["payments"] + rule["model_payments"]["payments"] == len(known)
    assert (
        rule["known"]["frauds"] + rule["model_payments"]["frauds"]
        == (result["test_week"]["frauds"])
    )
    assert rule["model_payments"]["frauds"] == theirs["frauds"] > 0
    assert rule["payments"]["model"]["ap"]["value"] == pytest.approx(theirs["ap"])
    for name, threshold in (("model_review", "review"), ("model_budget", "budget")):
        for key in ("precision", "recall", "alert_rate"):
            assert rule["payments"][name][key]["value"] == pytest.approx(theirs[threshold][key])
    assert rule["budget"] == BUDGET.describe()


def test_the_deployed_policy_with_the_known_card_block_adds_those_cards(assessed) -> None:
    result, _ = assessed
    with_block, without = result["payments"]["policy_known"], result["payments"]["policy_review"]
    known = result["known_card_rule"]["known"]
    assert with_block["alert_rate"]["value"] > without["alert_rate"]["value"]
    assert with_block["recall"]["value"] >= without["recall"]["value"]
    assert with_block["alert_rate"]["value"] >= known["payments"] / result["test_week"]["payments"]


def test_every_interval_holds_its_point_figure(assessed) -> None:
    result, _ = assessed
    known = result["known_card_rule"]["payments"].values()
    for figures in [*result["payments"].values(), *known]:
        for key, value in figures.items():
            cells = value.values() if key == "recall_by_scenario" else [value]
            for cell in cells:
                assert cell["low"] - 1e-12 <= cell["value"] <= cell["high"] + 1e-12, (key, cell)


def test_the_cost_sweeps_include_the_cards_thresholds(assessed) -> None:
    result, _ = assessed
    card = ModelCard.load(ARTIFACTS)
    costs = result["costs"]
    assert costs["policy:review"]["configured"]["threshold"] == card.thresholds.review
    assert costs["policy:block"]["configured"]["threshold"] == card.thresholds.block
    for key in ("model:review", "policy:review"):
        curve = costs[key]["curve"]
        assert costs[key]["cheapest"]["cost"]["value"] == min(p["cost"] for p in curve)
    # the rules only add reviews: never fewer alerts than the model alone at the same threshold
    model, policy = costs["model:review"]["curve"], costs["policy:review"]["curve"]
    assert all(p["alert_rate"] >= m["alert_rate"] for m, p in zip(model, policy, strict=True))


def test_a_dataset_that_is_not_the_models_is_refused(world, tmp_path: Path, capsys) -> None:
    table, _, _ = world
    data = tmp_path / "other.parquet"
    table.to_parquet(data)
    with pytest.raises(command.EvaluationDataError, match="the data is not the model's"):
        command.evaluate(data, ARTIFACTS, None, tmp_path / "out", replicates=2)
    assert main(["evaluate", "--data", str(data), "--out", str(tmp_path / "out")]) == 1
    assert "world-63d-seed42.parquet" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_report_and_its_figure_render(assessed, tmp_path: Path) -> None:
    result, incidents = assessed
    result = result | {"data": {"file": "small.parquet", "rows": 1}}
    result["figures"] = [figure.cost_curves(result["costs"], tmp_path)]
    report.write(result, incidents, tmp_path)
    text = (tmp_path / report.MARKDOWN_FILE).read_text()
    assert text == report.markdown(result)
    for section in ("## Headline", "## Per payment", "## Per incident", "## Cost"):
        assert section in text
    written = pd.read_csv(tmp_path / report.INCIDENT_FILE, index_col="incident")
    assert len(written) == result["incidents"]["rules"]["all"]["incidents"]
