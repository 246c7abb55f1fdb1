"""``fraud-train drift-reference``: the training reference live drift is measured against, added
to a trained model's card under ``drift_reference`` (the model and every other card field stay
byte for byte as training wrote them).

The reference rows are the data's test week, the weeks after the model's training window that
live traffic resembles: features as the feature module serves them (float32, as the model is
fed) and the served model's out-of-sample scores, which in-sample training rows would overstate.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from fraud_training.data import read_world, table_digest
from fraud_training.protocol import WorldProtocol
from fraud_training.world_features import world_features
from fraudcore.code_digest import code_digest
from fraudcore.drift import CARD_KEY, DriftReference
from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.model_card import CARD_FILE

REFERENCE = ("fraud_training.drift_reference",)  # the code a reference's digest covers
log = logging.getLogger(__name__)


class ReferenceDataError(ValueError):
    """The data given is not the data the model was trained on."""


def build_reference(
    data: Path,
    model_dir: Path,
    cache_dir: Path | None = None,
    protocol: WorldProtocol | None = None,
) -> DriftReference:
    model = ModelBundle.load(model_dir)
    table = read_world(data)
    digest = table_digest(table)
    trained_on = ((model.card.model_extra or {}).get("data") or {}).get("sha256")
    if digest != trained_on:
        raise ReferenceDataError(
            f"{data} (sha256 {digest[:12]}) is not the data model {model.version} was trained "
            f"on ({str(trained_on)[:12]})"
        )
    _, test = (protocol or WorldProtocol()).splits(
        table["event_time"].iloc[0], table["event_time"].iloc[-1]
    )
    rows = test.assess_rows(table["event_time"])
    features = world_features(table, cache_dir)[rows].astype(np.float32)
    scores = model.predict(features)
    log.info("drift reference of %s: %d rows of %s", model.version, len(scores), test.name)
    return DriftReference.of(
        features,
        scores,
        FEATURE_NAMES,
        model_version=model.version,
        window=f"{test.name} week {test.describe()['assess']}, the served model's scores",
        data_sha256=digest,
        code_sha256=code_digest(REFERENCE),
    )


def write_reference(model_dir: Path, reference: DriftReference) -> None:
    """Put the reference into the card, leaving every other field as it was."""
    path = model_dir / CARD_FILE
    card: dict[str, Any] = json.loads(path.read_text())
    if card.get("model_version") != reference.model_version:
        raise ReferenceDataError(f"the reference describes {reference.model_version}, the card "
                                 f"{card.get('model_version')}")  # fmt: skip
    card[CARD_KEY] = reference.model_dump(mode="json")
    # Training's own layout (fraud_training.model_card.write_card): the other fields unchanged.
    staged = path.with_name(f".{CARD_FILE}.tmp")
    staged.write_text(json.dumps(card, indent=2, default=str) + "\n")
    staged.replace(path)
