"""Historical datasets: ``fraud-producer dataset`` writes Parquet or CSV, chosen by extension."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fraud_simulator.handbook import HandbookParams, generate_handbook
from fraud_simulator.records import start_of_day, to_frame
from fraud_simulator.scenarios import ScenarioRates
from fraud_simulator.simulator import Simulator
from fraud_simulator.world import WorldSize, build_world

DEFAULT_START = dt.date(2026, 1, 5)  # a Monday


@dataclass(frozen=True)
class DatasetSpec:
    days: int
    seed: int = 42
    mode: str = "world"
    start: dt.date = DEFAULT_START
    customers: int = WorldSize().customers
    rates: ScenarioRates = field(default_factory=ScenarioRates)


def generate_world(spec: DatasetSpec) -> pd.DataFrame:
    world = build_world(spec.seed, WorldSize(customers=spec.customers))
    sim = Simulator(world, spec.seed, start_of_day(spec.start), spec.rates)
    batches = list(sim.days(spec.days))
    frames, first = [], 0
    for batch in batches:
        frames.append(to_frame(sim, batch, f"tx-{spec.seed}", first))
        first += len(batch)
    return pd.concat(frames, ignore_index=True)


def generate(spec: DatasetSpec) -> pd.DataFrame:
    if spec.mode == "handbook":
        return generate_handbook(spec.seed, HandbookParams(days=spec.days, start=spec.start))
    if spec.mode == "world":
        return generate_world(spec)
    raise ValueError(f"unknown mode {spec.mode!r}: use 'world' or 'handbook'")


def write(table: pd.DataFrame, out: Path) -> None:
    """Parquet for ``.parquet``/``.pq``, CSV for ``.csv``; nothing else is guessed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix in (".parquet", ".pq"):
        table.to_parquet(out, index=False, compression="zstd")
    elif suffix == ".csv":
        table.to_csv(out, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
    else:
        raise ValueError(f"cannot tell the format of {out}: use .parquet or .csv")
