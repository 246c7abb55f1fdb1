"""A warm start: the feature state a history leaves behind, replayed through the same feature
function as training and serving, so the first live payment sees what it would in training.

The order is offline replay's: a label joins its merchant's history at its arrival time, before
any payment at the same instant, and payments in file order. Rows arrive in event-time order and
a label is always later than its payment, so a heap of labels not yet due is all it takes; the
whole history never has to be in memory.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fraudcore.features.definitions import (
    CARD_EXCESS_COLUMN,
    NAN,
    apply_label,
    features_and_update,
)
from fraudcore.features.payments import epoch_seconds, payment_of
from fraudcore.features.state import CardState, MerchantState

if TYPE_CHECKING:  # the feature code computes with no event schema (a new field is no new model)
    from fraudcore.history import HistoryRow


@dataclass(frozen=True)
class Pending:
    """A history payment whose label had not arrived by the cut-off: live traffic brings it."""

    transaction_id: str
    card_id: str
    merchant_id: str
    card_excess: float = NAN  # its amount_vs_card_scale, which its label will need


@dataclass
class WarmState:
    cards: dict[str, CardState] = field(default_factory=dict)
    merchants: dict[str, MerchantState] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    rows: int = 0
    labels: int = 0


def replay_history(rows: Iterable[HistoryRow]) -> WarmState:
    """Card and merchant state after every payment and every known label of ``rows``."""
    cards: defaultdict[str, CardState] = defaultdict(CardState)
    merchants: defaultdict[str, MerchantState] = defaultdict(lambda: MerchantState(track=False))
    # (label time, row, merchant id, is_fraud, the payment's amount_vs_card_scale)
    due: list[tuple[float, int, str, bool, float]] = []
    state = WarmState()

    def apply_until(moment: float) -> None:
        while due and due[0][0] <= moment:
            labelled_t, _, merchant_id, is_fraud, excess = heapq.heappop(due)
            apply_label(merchants[merchant_id], labelled_t, is_fraud, excess)
            state.labels += 1

    for index, row in enumerate(rows):
        tx = row.transaction
        payment = payment_of(tx)
        apply_until(payment.t)
        excess = features_and_update(payment, cards[tx.card_id], merchants[tx.merchant_id])[
            CARD_EXCESS_COLUMN
        ]
        if row.label is None:
            state.pending.append(Pending(tx.transaction_id, tx.card_id, tx.merchant_id, excess))
        else:
            label_t = epoch_seconds(row.label.labelled_at)
            heapq.heappush(due, (label_t, index, tx.merchant_id, row.label.is_fraud, excess))
        state.rows += 1
    apply_until(float("inf"))  # known labels all arrived before the cut-off
    state.cards, state.merchants = dict(cards), dict(merchants)
    return state
