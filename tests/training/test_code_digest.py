"""The model card's code digest is the code's: the training code and every module it runs."""

import json
from pathlib import Path

from fraud_training.train import TRAINING
from fraudcore.code_digest import FEATURES, code_digest, module_closure, module_digests

CARD = Path(__file__).parents[2] / "training" / "artifacts" / "model_card.json"


def test_the_committed_model_card_matches_the_code() -> None:
    card = json.loads(CARD.read_text())["code"]
    now, then = module_digests(TRAINING), card.get("modules", {})
    changed = sorted(m for m in now.keys() | then.keys() if now.get(m) != then.get(m))
    assert changed == [], f"code changed since the model was trained: {changed}; run make train"
    assert card["sha256"] == code_digest(TRAINING)


def test_the_training_digest_covers_the_features_and_what_they_import() -> None:
    features, training = module_closure(FEATURES), module_closure(TRAINING)
    assert set(features) <= set(training)
    assert {"fraud_training.train", "fraud_training.search", "fraudcore.model_card"} <= set(
        training
    )
    # Redis is not what training computes with.
    assert "fraudcore.feature_store" not in training
