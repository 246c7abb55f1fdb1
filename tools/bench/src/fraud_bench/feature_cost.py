"""``fraud-bench features``: the feature code's own CPU per payment, without Kafka or Redis: a
simulated world's payments through ``features_and_update`` in event-time order with the
histories in memory, the same with each card's state decoded and encoded around its payment
(as the consumer does), and offline ``replay`` of the whole table. The best of a few repeats,
since other processes only ever add time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import (
    CardState,
    MerchantState,
    Payment,
    features_and_update,
    payment_of,
    replay,
)
from fraudcore.schemas import Transaction


def _payments(table: Any) -> list[tuple[str, str, Payment]]:
    """(card id, merchant id, payment) per row, converted as the consumer converts them."""
    rows = table[list(Transaction.model_fields)].astype(object).where(table.notna(), None)
    txs = [Transaction.model_validate(row) for row in rows.to_dict("records")]
    return [(tx.card_id, tx.merchant_id, payment_of(tx)) for tx in txs]


def in_memory(payments: list[tuple[str, str, Payment]]) -> None:
    cards: dict[str, CardState] = {}
    merchants: dict[str, MerchantState] = {}
    for card_id, merchant_id, payment in payments:
        card = cards.get(card_id) or cards.setdefault(card_id, CardState())
        merchant = merchants.get(merchant_id) or merchants.setdefault(merchant_id, MerchantState())
        features_and_update(payment, card, merchant)


def with_card_bytes(payments: list[tuple[str, str, Payment]]) -> None:
    """Each card's state decoded before and encoded after its payment, as the consumer loads
    and writes it."""
    cards: dict[str, bytes] = {}
    merchants: dict[str, MerchantState] = {}
    for card_id, merchant_id, payment in payments:
        card = CardState.from_bytes(cards.get(card_id))
        merchant = merchants.get(merchant_id) or merchants.setdefault(merchant_id, MerchantState())
        features_and_update(payment, card, merchant)
        cards[card_id] = card.to_bytes()


def best_us(work: Callable[[], object], payments: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.process_time()
        work()
        best = min(best, time.process_time() - began)
    return round(best * 1e6 / payments, 2)


def measure(days: int, customers: int, repeats: int = 5) -> dict[str, Any]:
    table = generate(DatasetSpec(days=days, customers=customers, seed=7))
    payments = _payments(table)
    n = len(payments)
    return {
        "payments": n,
        "features_us_per_payment": best_us(lambda: in_memory(payments), n, repeats),
        "with_card_bytes_us_per_payment": best_us(lambda: with_card_bytes(payments), n, repeats),
        "replay_us_per_payment": best_us(lambda: replay(table), n, repeats),
    }
