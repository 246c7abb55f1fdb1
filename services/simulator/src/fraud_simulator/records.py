"""Turning simulated columns into contract-shaped records: tables for datasets, events for Kafka."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_simulator.batch import CHANNELS, TxBatch
from fraud_simulator.catalog import CATEGORIES, GENUINE, SCENARIOS, currency_for
from fraud_simulator.simulator import Simulator

SCENARIO_NAMES = np.array([GENUINE, *SCENARIOS], dtype=object)
_MCC = np.array([category.mcc for category in CATEGORIES], dtype=object)
# Transaction fields in contract order, followed by the offline-only ground truth.
TRANSACTION_COLUMNS = [
    "schema_version", "transaction_id", "event_time", "card_id", "customer_id", "merchant_id",
    "merchant_name", "merchant_category", "amount", "currency", "channel", "country", "city",
    "lat", "lon", "device_id",
]  # fmt: skip
LABEL_COLUMNS = ["is_fraud", "scenario", "label_time"]


@dataclass(frozen=True)
class Columns:
    """String columns of a batch, resolved once through lookup tables (vectorised)."""

    transaction_id: np.ndarray
    card_id: np.ndarray
    customer_id: np.ndarray
    merchant_id: np.ndarray
    merchant_name: np.ndarray
    merchant_category: np.ndarray
    amount: np.ndarray
    currency: np.ndarray
    channel: np.ndarray
    country: np.ndarray
    city: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    device_id: np.ndarray
    scenario: np.ndarray


def resolve(sim: Simulator, batch: TxBatch, id_prefix: str, first_index: int) -> Columns:
    w = sim.world
    places = w.places
    currencies = np.array([currency_for(country) for country in places.country], dtype=object)
    devices = np.array([*sim.device_names, None], dtype=object)  # index -1 -> None
    numbers = np.arange(first_index, first_index + len(batch))
    return Columns(
        transaction_id=np.array([f"{id_prefix}-{n:010d}" for n in numbers], dtype=object),
        card_id=w.card_id[batch.card],
        customer_id=w.customer_id[w.card_customer[batch.card]],
        merchant_id=w.merchant_id[batch.merchant],
        merchant_name=w.merchant_name[batch.merchant],
        merchant_category=_MCC[w.merchant_category[batch.merchant]],
        amount=np.round(batch.amount, 2),
        currency=currencies[batch.place],
        channel=CHANNELS[batch.channel],
        country=places.country[batch.place],
        city=places.city[batch.place],
        lat=np.round(batch.lat, 5),
        lon=np.round(batch.lon, 5),
        device_id=devices[batch.device],
        scenario=SCENARIO_NAMES[batch.scenario],
    )


def event_micros(batch: TxBatch) -> npt.NDArray[np.int64]:
    """Event times in whole microseconds since the simulation's start: every output rounds here."""
    return np.round(batch.t * 1e6).astype("int64")


def label_micros(batch: TxBatch) -> npt.NDArray[np.int64]:
    """When each label arrives, in whole microseconds since the simulation's start."""
    delays: npt.NDArray[np.int64] = np.round(batch.label_delay * 1e6).astype("int64")
    return event_micros(batch) + delays


def to_frame(sim: Simulator, batch: TxBatch, id_prefix: str, first_index: int) -> pd.DataFrame:
    """A historical table: the transaction fields plus is_fraud, scenario and label_time."""
    c = resolve(sim, batch, id_prefix, first_index)
    event_time = pd.to_datetime(sim.start) + pd.to_timedelta(event_micros(batch), unit="us")
    delays = label_micros(batch) - event_micros(batch)
    return pd.DataFrame(
        {
            "schema_version": np.ones(len(batch), dtype=np.int64),
            "transaction_id": c.transaction_id,
            "event_time": event_time,
            "card_id": c.card_id,
            "customer_id": c.customer_id,
            "merchant_id": c.merchant_id,
            "merchant_name": c.merchant_name,
            "merchant_category": c.merchant_category,
            "amount": c.amount,
            "currency": c.currency,
            "channel": c.channel,
            "country": c.country,
            "city": c.city,
            "lat": c.lat,
            "lon": c.lon,
            "device_id": c.device_id,
            "is_fraud": batch.is_fraud,
            "scenario": c.scenario,
            "label_time": event_time + pd.to_timedelta(delays, unit="us"),
        }
    )


def iter_events(
    sim: Simulator, batch: TxBatch, id_prefix: str, first_index: int
) -> Iterator[tuple[dict[str, Any], str, float]]:
    """Transaction fields (without event_time, which the sender stamps), scenario, label delay."""
    c = resolve(sim, batch, id_prefix, first_index)
    for i in range(len(batch)):
        yield (
            {
                "transaction_id": c.transaction_id[i],
                "card_id": c.card_id[i],
                "customer_id": c.customer_id[i],
                "merchant_id": c.merchant_id[i],
                "merchant_name": c.merchant_name[i],
                "merchant_category": c.merchant_category[i],
                "amount": float(c.amount[i]),
                "currency": c.currency[i],
                "channel": c.channel[i],
                "country": c.country[i],
                "city": c.city[i],
                "lat": float(c.lat[i]),
                "lon": float(c.lon[i]),
                "device_id": c.device_id[i],
            },
            c.scenario[i],
            float(batch.label_delay[i]),
        )


def start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
