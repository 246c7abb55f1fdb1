"""Features for transactions sent to the API: the card's and merchant's current history from
Redis, read only. Synchronous scoring must never change history; the stream processor owns it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from fraudcore.feature_store import FeatureStore
from fraudcore.features import features_and_update, payment_of
from fraudcore.schemas import Transaction


def features_for(
    store: FeatureStore, transactions: Sequence[Transaction]
) -> npt.NDArray[np.float32]:
    cards, merchants = store.load(
        (tx.card_id for tx in transactions), (tx.merchant_id for tx in transactions)
    )
    # In-order updates of the loaded copies, so a batch sees its own earlier payments; the
    # copies are dropped afterwards, never written back.
    rows = [
        features_and_update(payment_of(tx), cards[tx.card_id], merchants[tx.merchant_id])
        for tx in transactions
    ]
    return np.array(rows, dtype=np.float32).reshape(len(rows), -1)
