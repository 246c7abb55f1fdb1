"""Decisions: the model's score against the card's thresholds, plus named rules that escalate.

Rules encode what an analyst would never let through unexamined, whatever the model says; they
raise ``approve`` to ``review`` and never lower a decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision

_INDEX = {name: index for index, name in enumerate(FEATURE_NAMES)}


Column = Callable[[str], npt.NDArray[np.float32]]


@dataclass(frozen=True)
class Rule:
    """A named condition over feature columns, evaluated for a whole batch at once (NaN, an
    undefined feature, compares false, so a rule never fires on missing history)."""

    id: str
    description: str
    fires: Callable[[Column], npt.NDArray[np.bool_]]


RULES: tuple[Rule, ...] = (
    Rule(
        "R01-IMPOSSIBLE-TRAVEL",
        "over 1,000 km from the previous payment at over 1,000 km/h",
        lambda c: (c("distance_from_last_km") > 1_000) & (c("speed_from_last_kmh") > 1_000),
    ),
    Rule(
        "R02-CARD-TESTING",
        "a small online payment at a new merchant in a burst of payments",
        lambda c: (
            (c("channel_online") == 1.0)
            & (c("amount") < 10.0)
            & (c("new_merchant") == 1.0)
            & (c("card_count_1h") >= 4.0)
        ),
    ),
    Rule(
        "R03-NEW-DEVICE-HIGH-AMOUNT",
        "a new device paying over 8 times the card's usual amount",
        lambda c: (c("new_device") == 1.0) & (c("amount_to_card_mean") > 8.0),
    ),
    Rule(
        "R04-RISKY-TERMINAL",
        "a merchant with at least 10 labels in 30 days, half of them fraud",
        lambda c: (c("merchant_labels_30d") >= 10) & (c("merchant_risk_30d") >= 0.5),
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}


def decide_batch(
    scores: npt.NDArray[np.float32], rows: npt.NDArray[np.float32], thresholds: Thresholds
) -> list[tuple[Decision, list[str]]]:
    """Decisions and fired rule ids for a batch: rules as vector operations over columns."""
    with np.errstate(invalid="ignore"):
        fired = [(rule.id, rule.fires(lambda name: rows[:, _INDEX[name]])) for rule in RULES]
    block = scores >= thresholds.block
    flagged = block | (scores >= thresholds.review)
    for _, mask in fired:
        flagged |= mask
    decided: list[tuple[Decision, list[str]]] = []
    for i in range(len(scores)):
        if not flagged[i]:
            decided.append((Decision.APPROVE, []))
            continue
        rules = [rule_id for rule_id, mask in fired if mask[i]]
        decided.append((Decision.BLOCK if block[i] else Decision.REVIEW, rules))
    return decided


def decide(
    score: float, row: Sequence[float], thresholds: Thresholds
) -> tuple[Decision, list[str]]:
    """The decision for one payment and the ids of the rules that fired."""
    matrix = np.asarray([row], dtype=np.float32)
    return decide_batch(np.asarray([score], dtype=np.float32), matrix, thresholds)[0]
