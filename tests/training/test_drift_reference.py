"""The drift reference in the committed model card is the committed model's, computed by the
current code from its training data's test week; and the command computing it, run on a small
world, writes a reference the consumer reads and leaves the model and the card's other fields as
they were."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from fraud_simulator.dataset import DatasetSpec, generate, write
from fraud_training.data import read_world, table_digest
from fraud_training.drift_reference import (
    REFERENCE,
    ReferenceDataError,
    build_reference,
    write_reference,
)
from fraud_training.protocol import WorldProtocol
from fraudcore.code_digest import code_digest
from fraudcore.drift import CARD_KEY, DriftReference
from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.model_card import CARD_FILE, ONNX_FILE, XGBOOST_FILE, ModelCard

ARTIFACTS = Path(__file__).resolve().parents[2] / "training" / "artifacts"
SMALL = WorldProtocol(train_days=1, gap_days=1, assess_days=1, validation_folds=1)


def test_the_committed_reference_is_the_committed_models() -> None:
    card = ModelCard.load(ARTIFACTS)
    raw = json.loads((ARTIFACTS / CARD_FILE).read_text())
    reference = DriftReference.from_card(card.model_extra)
    assert reference is not None, "no drift_reference in the card: run make drift-reference"
    assert reference.model_version == card.model_version
    assert reference.data_sha256 == raw["data"]["sha256"]
    assert reference.code_sha256 == code_digest(REFERENCE), "run make drift-reference"
    assert reference.rows == raw["metrics"]["test"]["xgboost"]["rows"]  # the test week's rows
    assert list(reference.features) == list(FEATURE_NAMES)
    assert reference == DriftReference.model_validate(raw[CARD_KEY])


@pytest.fixture
def small_model(model_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A five-day world and a model whose card says it was trained on it."""
    data = tmp_path / "world.parquet"
    write(generate(DatasetSpec(days=5, customers=300, seed=4)), data)
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    card = json.loads((target / CARD_FILE).read_text())
    card["data"] = {"sha256": table_digest(read_world(data))}
    del card[CARD_KEY]  # as training writes it: no reference yet
    (target / CARD_FILE).write_text(json.dumps(card, indent=2, default=str) + "\n")
    return data, target


def test_the_command_writes_a_reference_and_changes_nothing_else(small_model) -> None:
    data, model = small_model
    before = {name: (model / name).read_bytes() for name in (ONNX_FILE, XGBOOST_FILE)}
    card_before = json.loads((model / CARD_FILE).read_text())
    reference = build_reference(data, model, None, SMALL)
    write_reference(model, reference)
    first = (model / CARD_FILE).read_bytes()
    write_reference(model, build_reference(data, model, None, SMALL))
    assert (model / CARD_FILE).read_bytes() == first  # deterministic
    assert {name: (model / name).read_bytes() for name in before} == before
    card_after = json.loads(first)
    assert card_after.pop(CARD_KEY) == reference.model_dump(mode="json")
    assert card_after == card_before
    bundle = ModelBundle.load(model)
    assert DriftReference.from_card(bundle.card.model_extra) == reference
    assert 0 < reference.rows < len(read_world(data))  # the last day only
    assert sum(reference.score.shares) == pytest.approx(1.0)
    assert reference.features["card_count_24h"].edges == sorted(
        reference.features["card_count_24h"].edges
    )
    assert np.isfinite(reference.score.edges).all()


def test_other_data_than_the_models_is_refused(small_model, tmp_path) -> None:
    _, model = small_model
    other = tmp_path / "other.parquet"
    write(generate(DatasetSpec(days=5, customers=300, seed=5)), other)
    with pytest.raises(ReferenceDataError, match="is not the data model"):
        build_reference(other, model, None, SMALL)
