"""The known-card rule: a card with a confirmed fraud is known compromised from the moment that
fraud's label arrives, and the issuer blocks it (in production the policy's R05 block, on the
``compromised_cards`` list that fraud labels fill). Its later payments are the policy's, not the
model's, so the model is judged on the rest, as the handbook judges its models without the
customers already known compromised."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd


def known_compromised(table: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Per row of ``table`` (card_id, event_time, label_time, is_fraud): whether an earlier
    fraud on the same card had its label arrive before this payment."""
    fraud = table["is_fraud"].to_numpy(bool)
    if not fraud.any():
        return np.zeros(len(table), dtype=np.bool_)
    first_known = table.loc[fraud, "label_time"].groupby(table.loc[fraud, "card_id"]).min()
    known_since = table["card_id"].map(first_known)  # NaT: no fraud on the card, ever
    return np.asarray((table["event_time"] > known_since).fillna(False), dtype=np.bool_)
