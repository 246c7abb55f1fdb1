"""Payments for the consumer's in-process tests: ``transactions(count)`` as a fixture."""

import datetime as dt
from collections.abc import Callable

import pytest

from fraudcore.schemas import Transaction

EXAMPLE = Transaction.model_json_schema()["examples"][0]
START = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


def _transactions(count: int, cards: int = 7, prefix: str = "tx") -> list[Transaction]:
    """A minute apart from START, over ``cards`` cards and three merchants."""
    return [
        Transaction.model_validate(
            {**EXAMPLE, "transaction_id": f"{prefix}-{i:04d}", "card_id": f"card-{i % cards}",
             "merchant_id": f"merch-{i % 3}", "amount": 10.0 + i * 37.5,
             "event_time": (START + dt.timedelta(minutes=i)).isoformat()}
        )
        for i in range(count)
    ]  # fmt: skip


@pytest.fixture
def transactions() -> Callable[..., list[Transaction]]:
    return _transactions
