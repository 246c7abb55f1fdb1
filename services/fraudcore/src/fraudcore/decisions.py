"""Decisions: the model's score against the card's thresholds, plus named rules that escalate.

Rules encode what an analyst would never let through unexamined, whatever the model says; they
raise ``approve`` to ``review`` and never lower a decision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision

_INDEX = {name: index for index, name in enumerate(FEATURE_NAMES)}


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    fires: Callable[[Sequence[float]], bool]


def _f(row: Sequence[float], name: str) -> float:
    return row[_INDEX[name]]


RULES: tuple[Rule, ...] = (
    Rule(
        "R01-IMPOSSIBLE-TRAVEL",
        "over 1,000 km from the previous payment at over 1,000 km/h",
        lambda r: _f(r, "distance_from_last_km") > 1_000 and _f(r, "speed_from_last_kmh") > 1_000,
    ),
    Rule(
        "R02-CARD-TESTING",
        "a small online payment at a new merchant in a burst of payments",
        lambda r: (
            _f(r, "channel_online") == 1.0
            and _f(r, "amount") < 10.0
            and _f(r, "new_merchant") == 1.0
            and _f(r, "card_count_1h") >= 4.0
        ),
    ),
    Rule(
        "R03-NEW-DEVICE-HIGH-AMOUNT",
        "a new device paying over 8 times the card's usual amount",
        lambda r: _f(r, "new_device") == 1.0 and _f(r, "amount_to_card_mean") > 8.0,
    ),
    Rule(
        "R04-RISKY-TERMINAL",
        "a merchant with at least 10 labels in 30 days, half of them fraud",
        lambda r: _f(r, "merchant_labels_30d") >= 10 and _f(r, "merchant_risk_30d") >= 0.5,
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}


def decide(
    score: float, row: Sequence[float], thresholds: Thresholds
) -> tuple[Decision, list[str]]:
    """The decision for one payment and the ids of the rules that fired."""
    fired = [rule.id for rule in RULES if rule.fires(row)]
    if score >= thresholds.block:
        return Decision.BLOCK, fired
    if score >= thresholds.review or fired:
        return Decision.REVIEW, fired
    return Decision.APPROVE, fired
