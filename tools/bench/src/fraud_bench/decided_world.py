"""A simulated world's payments decided by a model as the consumer decides them (features as
float32 from the one feature module, embedded scoring), as decision log rows with the whole
payment as the consumer logs it, each with its payment's ground truth as a label: what the
decision log holds, without a live pipeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.decision_log import DecisionRow
from fraudcore.features import replay
from fraudcore.model import ModelBundle
from fraudcore.schemas import Label, Timings
from fraudcore.scoring import verdicts

# Stage times as the consumer logs them at 1,000 tx/s: every field set, as in production.
TIMINGS = Timings(
    kafka_ms=1.5, decode_ms=0.05, features_ms=0.25, scoring_ms=0.75, sinks_ms=2.0, end_to_end_ms=5.0
)


@dataclass
class DecidedWorld:
    rows: list[DecisionRow]
    labels: list[Label]


def decide_world(model: ModelBundle, spec: DatasetSpec, decided_at: dt.datetime) -> DecidedWorld:
    table = generate(spec)
    features = replay(table).astype(np.float32)
    rows, labels = [], []
    for i, (tx, verdict) in enumerate(
        zip(table.itertuples(), verdicts(model, features), strict=True)
    ):
        rows.append(
            DecisionRow(
                transaction_id=tx.transaction_id, event_time=tx.event_time.to_pydatetime(),
                card_id=tx.card_id, merchant_id=tx.merchant_id, amount=tx.amount,
                currency=tx.currency, features=features[i].tolist(), score=verdict.score,
                model_version=model.version, thresholds=model.card.thresholds,
                rules=verdict.rules, reasons=verdict.reasons, decision=verdict.decision,
                timings=TIMINGS, source_partition=i % 3, source_offset=i // 3,
                decided_at=decided_at, country=tx.country, customer_id=tx.customer_id,
                merchant_name=tx.merchant_name, merchant_category=tx.merchant_category,
                channel=tx.channel, city=tx.city, lat=tx.lat, lon=tx.lon,
                device_id=tx.device_id if isinstance(tx.device_id, str) else None,
            )
        )  # fmt: skip
        labels.append(
            Label(
                transaction_id=tx.transaction_id, is_fraud=tx.is_fraud, scenario=tx.scenario,
                labelled_at=tx.label_time.to_pydatetime(),
            )
        )  # fmt: skip
    return DecidedWorld(rows, labels)
