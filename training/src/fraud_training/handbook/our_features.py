"""Our feature module (``fraudcore.features``) on the handbook's data: its table mapped onto our
transaction fields, with constants where the handbook has no such field.

Labels reach the merchant (terminal) history 7 days after the payment, the handbook's delay.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraudcore.features import replay
from fraudcore.features.definitions import FEATURE_NAMES

LABEL_DELAY = pd.Timedelta(days=7)


def as_transactions(table: pd.DataFrame) -> pd.DataFrame:
    """Handbook rows as our dataset layout: customers pay with one card each, terminals are
    merchants; channel, category, country, place and device are constant (the handbook has none)."""
    n = len(table)
    customer = "c" + table["CUSTOMER_ID"].astype(str)
    event_time = pd.to_datetime(table["TX_DATETIME"])
    return pd.DataFrame(
        {
            "event_time": event_time,
            "card_id": customer,
            "customer_id": customer,
            "merchant_id": "t" + table["TERMINAL_ID"].astype(str),
            "merchant_name": "n/a",
            "merchant_category": "5411",
            "amount": table["TX_AMOUNT"].astype(np.float64),
            "currency": "EUR",
            "channel": "pos",
            "country": "US",
            "city": "n/a",
            "lat": np.zeros(n),
            "lon": np.zeros(n),
            "device_id": np.full(n, None, dtype=object),
            "is_fraud": table["TX_FRAUD"].astype(bool),
            "label_time": event_time + LABEL_DELAY,
        },
        index=table.index,
    )


def our_features(table: pd.DataFrame) -> np.ndarray:
    """The (rows x len(FEATURE_NAMES)) matrix for a time-ordered handbook table."""
    matrix = replay(as_transactions(table))
    assert matrix.shape[1] == len(FEATURE_NAMES)
    return matrix
