"""The first rules: the four that were hard-coded in ``fraudcore.decisions`` (R01-R04), as data.
Each raises an approve to a review; a test proves they decide exactly as the code they replace."""

from __future__ import annotations

from fraudcore.rules.definition import Action, RuleDefinition, Status


def _rule(rule_id: str, expression: str, reason: str) -> RuleDefinition:
    return RuleDefinition(
        id=rule_id,
        version=1,
        expression=expression,
        action=Action.REVIEW,
        reason=reason,
        priority=100,
        status=Status.ACTIVE,
    )


BASELINE_RULES: tuple[RuleDefinition, ...] = (
    _rule(
        "R01-IMPOSSIBLE-TRAVEL",
        "distance_from_last_km > 1000 and speed_from_last_kmh > 1000",
        "over 1,000 km from the previous payment at over 1,000 km/h",
    ),
    _rule(
        "R02-CARD-TESTING",
        "channel_online and amount < 10 and new_merchant and card_count_1h >= 4",
        "a small online payment at a new merchant in a burst of payments",
    ),
    _rule(
        "R03-NEW-DEVICE-HIGH-AMOUNT",
        "new_device and amount_to_card_mean > 8",
        "a new device paying over 8 times the card's usual amount",
    ),
    _rule(
        "R04-RISKY-TERMINAL",
        "merchant_labels_30d >= 10 and merchant_risk_30d >= 0.5",
        "a merchant with at least 10 labels in 30 days, half of them fraud",
    ),
)
