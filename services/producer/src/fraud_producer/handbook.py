"""The simulator of "Reproducible Machine Learning for Credit Card Fraud Detection - Practical
Handbook" (Le Borgne, Siblini, Lebichot, Bontempi, 2022), re-implemented from its published
description so our models can be compared with the handbook's table on the same kind of data.

Customers and terminals sit uniformly on a 100x100 square; a customer pays only at terminals
closer than 5; three fraud scenarios: amounts over 220, compromised terminals (28 days) and
compromised customers (14 days, a third of their payments multiplied by 5).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

HANDBOOK_COLUMNS = [
    "TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD",
    "TX_FRAUD_SCENARIO",
]  # fmt: skip


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


def _transactions(params: HandbookParams, rng: np.random.Generator) -> pd.DataFrame:
    n = params.customers
    customer_xy = rng.uniform(0, 100, (n, 2))
    mean_amount = rng.uniform(5, 100, n)
    std_amount = mean_amount / 2
    tx_per_day = rng.uniform(0, 4, n)
    terminal_xy = rng.uniform(0, 100, (params.terminals, 2))

    # Terminals within the radius of each customer, as one flat array with per-customer ranges.
    reachable, counts = [], np.zeros(n, dtype=np.int64)
    for i in range(n):
        near = np.flatnonzero(
            np.sqrt(((terminal_xy - customer_xy[i]) ** 2).sum(axis=1)) < params.radius
        )
        reachable.append(near)
        counts[i] = len(near)
    flat = np.concatenate(reachable)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])

    frames = []
    for day in range(params.days):
        customer = np.repeat(np.arange(n), rng.poisson(tx_per_day))
        seconds = np.round(rng.normal(86_400 / 2, 20_000, len(customer)))
        inside = (seconds > 0) & (seconds < 86_400) & (counts[customer] > 0)
        customer, seconds = customer[inside], seconds[inside]
        amount = rng.normal(mean_amount[customer], std_amount[customer])
        negative = amount < 0
        amount[negative] = rng.uniform(0, 2 * mean_amount[customer[negative]])
        pick = np.floor(rng.random(len(customer)) * counts[customer]).astype(np.int64)
        frames.append(
            pd.DataFrame(
                {
                    "CUSTOMER_ID": customer,
                    "TERMINAL_ID": flat[offsets[customer] + pick],
                    "TX_TIME_SECONDS": (day * 86_400 + seconds).astype(np.int64),
                    "TX_TIME_DAYS": day,
                    "TX_AMOUNT": np.round(amount, 2),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values("TX_TIME_SECONDS", kind="stable", ignore_index=True)


def _add_frauds(table: pd.DataFrame, params: HandbookParams, rng: np.random.Generator) -> None:
    table["TX_FRAUD"] = 0
    table["TX_FRAUD_SCENARIO"] = 0
    # Scenario 1: any amount above the threshold.
    table.loc[params.amount_threshold < table.TX_AMOUNT, ["TX_FRAUD", "TX_FRAUD_SCENARIO"]] = 1
    days, terminals, customers = (
        table.TX_TIME_DAYS.to_numpy(),
        table.TERMINAL_ID.to_numpy(),
        table.CUSTOMER_ID.to_numpy(),
    )
    for day in range(params.days):
        # Scenario 2: every payment at a compromised terminal for the next 28 days.
        compromised = rng.choice(
            params.terminals, params.compromised_terminals_per_day, replace=False
        )
        window = (days >= day) & (days < day + params.terminal_compromise_days)
        hit = window & np.isin(terminals, compromised)
        table.loc[hit, ["TX_FRAUD", "TX_FRAUD_SCENARIO"]] = [1, 2]
        # Scenario 3: a third of a compromised customer's payments for 14 days, amount x5.
        victims = rng.choice(params.customers, params.compromised_customers_per_day, replace=False)
        window = (days >= day) & (days < day + params.customer_compromise_days)
        candidates = np.flatnonzero(window & np.isin(customers, victims))
        chosen = (
            rng.choice(candidates, len(candidates) // 3, replace=False)
            if len(candidates)
            else candidates
        )
        table.loc[chosen, "TX_AMOUNT"] = np.round(table.loc[chosen, "TX_AMOUNT"] * 5, 2)
        table.loc[chosen, ["TX_FRAUD", "TX_FRAUD_SCENARIO"]] = [1, 3]


def generate_handbook(seed: int, params: HandbookParams | None = None) -> pd.DataFrame:
    params = params or HandbookParams()
    rng = np.random.default_rng(seed)
    table = _transactions(params, rng)
    _add_frauds(table, params, rng)
    start = pd.Timestamp(params.start)
    table.insert(0, "TRANSACTION_ID", np.arange(len(table), dtype=np.int64))
    table.insert(1, "TX_DATETIME", start + pd.to_timedelta(table.TX_TIME_SECONDS, unit="s"))
    return table[HANDBOOK_COLUMNS]
