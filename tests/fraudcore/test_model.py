import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.decisions import RULES, decide
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.model import ModelBundle, ModelMismatchError
from fraudcore.model_card import CARD_FILE, Thresholds
from fraudcore.schemas import Decision


@pytest.fixture(scope="module")
def rows() -> np.ndarray:
    return replay(generate(DatasetSpec(days=3, customers=800, seed=9))).astype(np.float32)


def test_onnx_and_xgboost_agree(model_dir: Path, rows: np.ndarray) -> None:
    bundle = ModelBundle.load(model_dir)
    onnx, native = bundle.predict(rows), bundle.predict_xgboost(rows)
    assert onnx.shape == (len(rows),)
    assert np.abs(onnx - native).max() < 1e-5


def test_reasons_name_features_that_raised_the_score(model_dir: Path, rows: np.ndarray) -> None:
    bundle = ModelBundle.load(model_dir)
    top = np.argsort(-bundle.predict(rows))[:20]
    reasons = bundle.reasons(rows[top])
    assert all(reasons)
    assert {name for r in reasons for name in r} <= set(FEATURE_NAMES)


def test_a_card_with_other_features_is_refused(model_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(model_dir, broken)
    card = json.loads((broken / CARD_FILE).read_text())
    card["feature_names"] = [*card["feature_names"][:-1], "zodiac_sign"]
    (broken / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelMismatchError, match="zodiac_sign"):
        ModelBundle.load(broken)


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelMismatchError, match=r"model\.onnx"):
        ModelBundle.load(tmp_path)


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="below review"):
        Thresholds(review=0.5, block=0.4)


def quiet_row(**values: float) -> list[float]:
    row = [0.0] * len(FEATURE_NAMES)
    for name, value in values.items():
        row[FEATURE_NAMES.index(name)] = value
    return row


def test_decisions_follow_thresholds_and_rules_only_escalate() -> None:
    thresholds = Thresholds(review=0.3, block=0.9)
    assert decide(0.1, quiet_row(amount=20), thresholds) == (Decision.APPROVE, [])
    assert decide(0.5, quiet_row(amount=20), thresholds) == (Decision.REVIEW, [])
    assert decide(0.95, quiet_row(amount=20), thresholds) == (Decision.BLOCK, [])
    travel = quiet_row(distance_from_last_km=5_000, speed_from_last_kmh=5_000)
    assert decide(0.1, travel, thresholds) == (Decision.REVIEW, ["R01-IMPOSSIBLE-TRAVEL"])
    assert decide(0.95, travel, thresholds) == (Decision.BLOCK, ["R01-IMPOSSIBLE-TRAVEL"])


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_every_rule_can_fire_and_stays_quiet_on_an_ordinary_payment(rule) -> None:
    firing = {
        "R01-IMPOSSIBLE-TRAVEL": quiet_row(distance_from_last_km=2_000, speed_from_last_kmh=3_000),
        "R02-CARD-TESTING": quiet_row(
            channel_online=1, amount=1.5, new_merchant=1, card_count_1h=6
        ),
        "R03-NEW-DEVICE-HIGH-AMOUNT": quiet_row(new_device=1, amount_to_card_mean=12),
        "R04-RISKY-TERMINAL": quiet_row(merchant_labels_30d=20, merchant_risk_30d=0.7),
    }[rule.id]
    quiet = quiet_row(amount=35, amount_to_card_mean=1, merchant_risk_30d=0.01)
    matrix = np.array([firing, quiet, [np.nan] * len(FEATURE_NAMES)], dtype=np.float32)
    assert rule.fires(lambda name: matrix[:, FEATURE_NAMES.index(name)]).tolist() == [
        True,
        False,
        False,
    ]
