"""From transactions (online) or table columns (offline) to the feature function's input."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from fraudcore.features.definitions import Payment, key_of

if TYPE_CHECKING:  # the features read a transaction's fields; they do not need its schema
    from fraudcore.schemas import Transaction

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def epoch_seconds(moment: dt.datetime) -> float:
    """Whole microseconds / 1e6: exactly what the offline path computes from datetime64[us]."""
    return ((moment - EPOCH) // _MICROSECOND) / 1e6


def payment_of(tx: Transaction) -> Payment:
    return Payment(
        t=epoch_seconds(tx.event_time),
        amount=tx.amount,
        channel=tx.channel.value,
        category=int(tx.merchant_category),
        country=tx.country,
        lat=tx.lat,
        lon=tx.lon,
        merchant=key_of(tx.merchant_id),
        device=key_of(tx.device_id) if tx.device_id else -1,
    )
