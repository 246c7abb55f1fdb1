"""The simulator of "Reproducible Machine Learning for Credit Card Fraud Detection - Practical
Handbook" (Le Borgne, Siblini, Lebichot, Bontempi, 2022), re-implemented draw for draw: with
seed 0 it makes the handbook's published dataset (1,754,155 payments, 14,681 frauds), so our
benchmark runs on the very data behind the published table without downloading it.

Customers and terminals sit uniformly on a 100x100 square; a customer pays only at terminals
closer than 5; three fraud scenarios: amounts over 220, compromised terminals (28 days) and
compromised customers (14 days, a third of their payments multiplied by 5).

The handbook seeds NumPy's legacy generator and Python's ``random`` per table, per customer and
per day, and draws one value at a time; the loops below keep that order of draws, which is what
makes the data identical (both generators' streams are stable across versions).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import numpy as np
import pandas as pd

HANDBOOK_COLUMNS = [
    "TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD",
    "TX_FRAUD_SCENARIO",
]  # fmt: skip
DAY_S = 86_400
# Seed n > 0 moves every seed the handbook uses by n * SEED_STRIDE: another world of the same kind.
SEED_STRIDE = 1_000_000


@dataclass(frozen=True)
class HandbookParams:
    customers: int = 5_000
    terminals: int = 10_000
    days: int = 183
    start: dt.date = dt.date(2018, 4, 1)
    radius: float = 5.0
    compromised_terminals_per_day: int = 2
    terminal_compromise_days: int = 28
    compromised_customers_per_day: int = 3
    customer_compromise_days: int = 14
    amount_threshold: float = 220.0


@dataclass(frozen=True)
class _Customer:
    x: float
    y: float
    mean_amount: float
    std_amount: float
    tx_per_day: float


def _customers(n: int, seed: int) -> list[_Customer]:
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        x, y, mean = rng.uniform(0, 100), rng.uniform(0, 100), rng.uniform(5, 100)
        out.append(_Customer(x, y, mean, mean / 2, rng.uniform(0, 4)))
    return out


def _terminals(n: int, seed: int) -> np.ndarray:
    rng = np.random.RandomState(seed)
    return np.array([[rng.uniform(0, 100), rng.uniform(0, 100)] for _ in range(n)])


def _payments_of(
    customer_id: int, customer: _Customer, reachable: list[int], days: int, seed: int
) -> list[tuple[int, int, int, int, float]]:
    """One customer's payments, in the handbook's order of draws."""
    pick, rng = random.Random(seed), np.random.RandomState(seed)
    rows = []
    for day in range(days):
        for _ in range(rng.poisson(customer.tx_per_day)):
            second = int(rng.normal(DAY_S / 2, 20_000))
            if not 0 < second < DAY_S:
                continue
            amount = rng.normal(customer.mean_amount, customer.std_amount)
            if amount < 0:
                amount = rng.uniform(0, customer.mean_amount * 2)
            amount = float(np.round(amount, decimals=2))
            if reachable:
                terminal = pick.choice(reachable)
                rows.append((second + day * DAY_S, day, customer_id, terminal, amount))
    return rows


def _transactions(params: HandbookParams, seed: int) -> pd.DataFrame:
    base = seed * SEED_STRIDE
    customers = _customers(params.customers, base)
    terminal_xy = _terminals(params.terminals, base + 1)
    rows: list[tuple[int, int, int, int, float]] = []
    for customer_id, customer in enumerate(customers):
        distance = np.sqrt(np.sum(np.square(np.array([customer.x, customer.y]) - terminal_xy), 1))
        reachable = [int(t) for t in np.flatnonzero(distance < params.radius)]
        rows += _payments_of(customer_id, customer, reachable, params.days, base + customer_id)
    table = pd.DataFrame(
        rows, columns=["TX_TIME_SECONDS", "TX_TIME_DAYS", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT"]
    )
    table.insert(0, "TX_DATETIME", pd.Timestamp(params.start) + pd.to_timedelta(
        table.TX_TIME_SECONDS, unit="s"))  # fmt: skip
    # The handbook's sort: quicksort on the datetime column decides the ids of same-second
    # payments (7% of rows). NumPy sorts datetime64 with its portable introsort (int64 may take
    # a SIMD path that orders ties differently), so the published ids come out everywhere.
    return table.sort_values("TX_DATETIME", kind="quicksort", ignore_index=True)


def _add_frauds(table: pd.DataFrame, params: HandbookParams, seed: int) -> None:
    base = seed * SEED_STRIDE
    table["TX_FRAUD"] = 0
    table["TX_FRAUD_SCENARIO"] = 0
    # Scenario 1: any amount above the threshold.
    table.loc[params.amount_threshold < table.TX_AMOUNT, ["TX_FRAUD", "TX_FRAUD_SCENARIO"]] = 1
    days, terminals, customers = (
        table.TX_TIME_DAYS.to_numpy(),
        table.TERMINAL_ID.to_numpy(),
        table.CUSTOMER_ID.to_numpy(),
    )
    last_day = int(days.max())  # the handbook loops over range(max day): the last one is skipped
    # Scenario 2: every payment at a compromised terminal for the next 28 days.
    for day in range(last_day):
        chosen = np.random.RandomState(base + day).choice(
            params.terminals, params.compromised_terminals_per_day, replace=False
        )
        window = (days >= day) & (days < day + params.terminal_compromise_days)
        table.loc[window & np.isin(terminals, chosen), ["TX_FRAUD", "TX_FRAUD_SCENARIO"]] = [1, 2]
    # Scenario 3: a third of a compromised customer's payments for 14 days, amount x5.
    for day in range(last_day):
        victims = np.random.RandomState(base + day).choice(
            params.customers, params.compromised_customers_per_day, replace=False
        )
        window = (days >= day) & (days < day + params.customer_compromise_days)
        candidates = np.flatnonzero(window & np.isin(customers, victims)).tolist()
        hit = random.Random(base + day).sample(candidates, k=len(candidates) // 3)
        table.loc[hit, "TX_AMOUNT"] = table.loc[hit, "TX_AMOUNT"] * 5
        table.loc[hit, ["TX_FRAUD", "TX_FRAUD_SCENARIO"]] = [1, 3]


def generate_handbook(seed: int, params: HandbookParams | None = None) -> pd.DataFrame:
    """The handbook's dataset (seed 0, default params: the published one)."""
    params = params or HandbookParams()
    table = _transactions(params, seed)
    _add_frauds(table, params, seed)
    table.insert(0, "TRANSACTION_ID", np.arange(len(table), dtype=np.int64))
    return table[HANDBOOK_COLUMNS]
