"""``fraud-producer history``: the world's first days as a history export (fraudcore.history),
with the labels that had arrived by the cut-off and no others, as a bank would export its own.
The live stream with the same world settings continues exactly where it ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from fraud_producer.world_feed import WorldSpec
from fraud_simulator.batch import TxBatch
from fraud_simulator.records import event_micros, label_micros, resolve, start_of_day
from fraud_simulator.simulator import Simulator
from fraud_simulator.world import WorldSize, build_world
from fraudcore.history import HistoryHeader, encode_row, write_history

_STRING_COLUMNS = (
    "transaction_id", "card_id", "customer_id", "merchant_id", "merchant_name",
    "merchant_category", "currency", "channel", "country", "city", "device_id",
)  # fmt: skip


def _iso(start: dt.datetime, micros: npt.NDArray[np.int64]) -> list[str]:
    """ISO 8601 with microseconds and 'Z', for a whole column at once (schemas.format_time)."""
    base = np.datetime64(start.replace(tzinfo=None), "us")
    return [f"{text}Z" for text in np.datetime_as_string(base + micros, unit="us")]


def _rows(sim: Simulator, batch: TxBatch, spec: WorldSpec, first: int) -> Iterator[bytes]:
    c = resolve(sim, batch, spec.id_prefix, first)
    cutoff_us = round(spec.history_days * 86_400 * 1e6)
    arrive = label_micros(batch)
    label_times = _iso(sim.start, arrive)
    labels = [
        {"is_fraud": fraud, "labelled_at": moment} if known else None
        for fraud, moment, known in zip(
            batch.is_fraud.tolist(), label_times, (arrive < cutoff_us).tolist(), strict=True
        )
    ]
    columns = zip(
        *(getattr(c, name).tolist() for name in _STRING_COLUMNS),
        _iso(sim.start, event_micros(batch)),
        c.amount.tolist(),
        c.lat.tolist(),
        c.lon.tolist(),
        labels,
        strict=True,
    )
    for tx_id, card, customer, merchant, name, mcc, currency, channel, country, city, device, \
            event_time, amount, lat, lon, label in columns:  # fmt: skip
        transaction = {
            "schema_version": 1, "transaction_id": tx_id, "event_time": event_time,
            "card_id": card, "customer_id": customer, "merchant_id": merchant,
            "merchant_name": name, "merchant_category": mcc, "amount": amount,
            "currency": currency, "channel": channel, "country": country, "city": city,
            "lat": lat, "lon": lon, "device_id": device,
        }  # fmt: skip
        yield encode_row(transaction, label)


def write_world_history(spec: WorldSpec, out: Path) -> int:
    """Simulate the world's first ``spec.history_days`` days into ``out``; returns the rows."""
    world = build_world(spec.seed, WorldSize(customers=spec.customers))
    sim = Simulator(world, spec.seed, start_of_day(spec.start))
    batches = list(sim.days(spec.history_days))
    header = HistoryHeader(
        cutoff=spec.cutoff,
        rows=sum(len(batch) for batch in batches),
        source={
            "generator": "fraud-producer history",
            "seed": spec.seed,
            "customers": spec.customers,
            "start": spec.start.isoformat(),
            "days": spec.history_days,
            "id_prefix": spec.id_prefix,
        },
    )

    def rows() -> Iterator[bytes]:
        first = 0
        for batch in batches:
            yield from _rows(sim, batch, spec, first)
            first += len(batch)

    write_history(out, header, rows())
    return header.rows
