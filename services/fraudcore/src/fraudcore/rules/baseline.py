"""The first rules: the four that were hard-coded in ``fraudcore.decisions`` (R01-R04), as data,
and the known-compromised policy's block (R05). R01-R04 raise an approve to a review; a test
proves they decide exactly as the code they replace. R05 blocks a card on ``compromised_cards``,
which the policy fills from confirmed fraud labels (``fraudcore.decision_log.list_store``): with
no lists loaded (no database) it never fires. Migration 0008 carries R05's text too (a test
checks they agree)."""

from __future__ import annotations

from fraudcore.rules.definition import Action, RuleDefinition, Status
from fraudcore.rules.lists import COMPROMISED_CARDS


def _rule(
    rule_id: str, expression: str, reason: str, action: Action = Action.REVIEW, priority: int = 100
) -> RuleDefinition:
    return RuleDefinition(
        id=rule_id,
        version=1,
        expression=expression,
        action=action,
        reason=reason,
        priority=priority,
        status=Status.ACTIVE,
    )


KNOWN_COMPROMISED = _rule(
    "R05-KNOWN-COMPROMISED",
    f"card_id in {COMPROMISED_CARDS}",
    "a card with fraud confirmed on it (chargeback or analyst): known compromised",
    Action.BLOCK,
    900,  # above the allow rules a team usually writes: a stolen card stays blocked
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
    KNOWN_COMPROMISED,
)
