"""``fraud-train ablate`` on a small world: every variant is scored on the same payments and
replicates (a difference's point is the difference of the points), the Markdown comes from the
JSON, and an unknown variant is refused by name. Slow: a world's features and three fits."""

import json
from pathlib import Path

import pytest

from fraud_simulator.dataset import DatasetSpec, generate, write
from fraud_training.ablation import command, report
from fraud_training.cli import main

pytestmark = pytest.mark.slow
# The gap must let genuine labels (7-8 days) arrive before the test week starts.
PROTOCOL = command.QuickProtocol(train_days=5, gap_days=8, test_days=3)
DROPPED = f"{command.MODEL}-terminal_share"
CANDIDATES = f"{command.MODEL}+candidates"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ablation") / "world-17d-seed7.parquet"
    write(generate(DatasetSpec(days=17, seed=7, customers=600)), path)
    return path


@pytest.fixture(scope="module")
def result(world, tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("reports")
    return command.ablate([world], out, None, replicates=20, protocol=PROTOCOL,
                          only=[command.BASE, command.MODEL, DROPPED, CANDIDATES]), out  # fmt: skip


def test_variants_are_compared_on_the_same_payments(result) -> None:
    ablation, _ = result
    (world,) = ablation["worlds"]
    variants = world["variants"]
    assert variants[command.BASE]["vs_base"] is None
    for name in (command.MODEL, DROPPED):
        for figure, delta in variants[name]["vs_base"].items():
            mine, base = (
                variants[name]["figures"][figure],
                variants[command.BASE]["figures"][figure],
            )
            assert delta["value"] == pytest.approx(mine["value"] - base["value"])
            assert delta["low"] <= delta["high"]
    assert set(variants[command.MODEL]["figures"]) >= {"ap", "inflated_amounts", "category_anomaly"}


def test_a_candidate_is_compared_with_the_model_inputs_too(result) -> None:
    ablation, _ = result
    variants = ablation["worlds"][0]["variants"]
    assert variants[command.MODEL]["vs_model"] is None
    assert variants[DROPPED]["vs_model"] is None
    for figure, delta in variants[CANDIDATES]["vs_model"].items():
        mine = variants[CANDIDATES]["figures"][figure]["value"]
        model = variants[command.MODEL]["figures"][figure]["value"]
        assert delta["value"] == pytest.approx(mine - model)
    assert ablation["candidates"]["tap_surprise"] == ["tap_surprise"]


def test_the_markdown_is_rendered_from_the_json(result) -> None:
    ablation, out = result
    stored = json.loads((out / report.JSON_FILE).read_text())
    assert stored == json.loads(json.dumps(ablation))
    assert (out / report.MARKDOWN_FILE).read_text() == report.markdown(stored)


def test_an_unknown_variant_is_refused_by_name(world, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="all-nothing"):
        command.ablate([world], tmp_path, None, only=["all-nothing"])
    with pytest.raises(SystemExit):
        main(["ablate", "--data", str(world), "--replicates", "zero"])
