"""The decision log's past: the champion's decisions on the world's history, as a production log
would hold them had the platform been running then, so that a retrain from the log has the
weeks its protocol needs (51 days) without streaming them live.

Each history payment is written by the production writer (``DecisionLogWriter``) with its
features from the one feature module (the offline replay the parity test proves equal to what
the consumer serves) and the champion's verdict; each label whose time has come by the live
start is applied by the production ``apply_labels``. Labels due later are the producer's: it
sends them at their own simulated time during live traffic, and the consumer joins them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraudcore.decision_log import DecisionLogWriter, DecisionRow, apply_labels, connect
from fraudcore.model import ModelBundle
from fraudcore.schemas import Label, Timings
from fraudcore.scoring import verdicts
from fraudcore.settings import DatabaseSettings

CHUNK = 20_000  # rows per write: one COPY each, memory bounded


def decision_rows(part: pd.DataFrame, served: npt.NDArray[np.float32], model: ModelBundle,
                  first_offset: int = 0) -> list[DecisionRow]:  # fmt: skip
    """The payments of a world table decided by ``model`` on the features ``served``, as the
    consumer logs them (one partition, offsets in table order)."""
    out = []
    decided = verdicts(model, served)
    for i, (tx, verdict) in enumerate(zip(part.itertuples(), decided, strict=True)):
        at = tx.event_time.to_pydatetime()
        out.append(
            DecisionRow(
                transaction_id=tx.transaction_id, event_time=at, card_id=tx.card_id,
                merchant_id=tx.merchant_id, amount=tx.amount, currency=tx.currency,
                features=served[i], score=verdict.score, model_version=model.version,
                thresholds=model.card.thresholds, rules=verdict.rules, reasons=verdict.reasons,
                decision=verdict.decision, timings=Timings(), source_partition=0,
                source_offset=first_offset + i, decided_at=at,
            )
        )  # fmt: skip
    return out


def write_history(
    settings: DatabaseSettings,
    table: pd.DataFrame,
    features: npt.NDArray[np.float64],
    model: ModelBundle,
    live_start: pd.Timestamp,
) -> dict[str, Any]:
    """Log every payment before ``live_start`` and the labels arrived by then."""
    past = (table["event_time"] < live_start).to_numpy()
    rows, served = table[past], features[past].astype(np.float32)
    arrived = rows[rows["label_time"] <= live_start]
    written = 0
    with connect(settings, "fraud-lifecycle") as conn:
        writer = DecisionLogWriter(conn)
        for start in range(0, len(rows), CHUNK):
            part = rows.iloc[start : start + CHUNK]
            written += writer.write(
                decision_rows(part, served[start : start + CHUNK], model, start)
            )
        for start in range(0, len(arrived), CHUNK):
            part = arrived.iloc[start : start + CHUNK]
            apply_labels(conn, [
                Label(transaction_id=tx.transaction_id, is_fraud=tx.is_fraud,
                      scenario=tx.scenario, labelled_at=tx.label_time.to_pydatetime())
                for tx in part.itertuples()
            ])  # fmt: skip
    return {
        "decisions": written,
        "labels": len(arrived),
        "from": str(rows["event_time"].iloc[0].date()),
        "to": str((live_start - dt.timedelta(days=1)).date()),
        "model_version": model.version,
    }
