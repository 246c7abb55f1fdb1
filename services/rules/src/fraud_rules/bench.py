"""What the rules cost per payment: the engine deciding batches of a simulated world (features
as served, the payments' own fields, a blocked-cards list) with 4 rules (the baseline), 10 and
100, at the batch sizes the consumer sees. A measurement, not a test: figures for the README.
CPU time of this process (the machine is shared: wall time would measure the neighbours).

The generated rules have the shapes fraud teams write and thresholds a team would set: each
fires rarely, the hundred together on under 1% of a simulated world's payments when no list
names their cards (a list rule fires wherever its list says). Rules that flagged a third of
the payments, as the first generated ones did, measured the cost of a third of the payments
becoming alerts (reasons, alert records, copies on ``fraud-alerts``), not the cost of
evaluating rules."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import replay
from fraudcore.rules import (
    BASELINE_RULES,
    Action,
    Batch,
    RuleDefinition,
    RuleSet,
    Status,
)
from fraudcore.schemas import Channel, Transaction

# Shapes of the rules fraud teams write: thresholds, flags, text fields, lists, arithmetic.
TEMPLATES = (
    "amount > {amount} and new_merchant",
    "card_count_24h >= {k} and amount_to_card_mean > {ratio}",
    "country in ['US', 'BR', 'NG'] and amount > {amount}",
    "card_id in blocked_cards or merchant_id in blocked_merchants",
    "abs(amount_zscore) > {z} and not missing(distance_from_home_km)",
    "distance_from_home_km / (card_history_log + 1) > {km}",
    "channel == 'online' and new_device and amount > {amount}",
    "is_night and merchant_risk_30d > 0.{k}",
)


def expression(i: int) -> str:
    """The ``i``-th generated rule: its template's thresholds set where payments are rare."""
    return TEMPLATES[i % len(TEMPLATES)].format(
        amount=2_000 + 37 * i, k=2 + i % 7, ratio=100 + 7 * i, z=25 + i % 7, km=3_000 + 37 * i
    )


def definitions(count: int) -> list[RuleDefinition]:
    """The baseline, then generated rules up to ``count``, every one active."""
    rules = list(BASELINE_RULES[:count])
    for i in range(count - len(rules)):
        action = Action.BLOCK if i % 5 == 0 else Action.REVIEW
        rules.append(
            RuleDefinition(
                id=f"B{i:03d}", version=1, expression=expression(i), action=action,
                reason="benchmark", priority=i % 300, status=Status.ACTIVE,
            )
        )  # fmt: skip
    return rules


def rule_set(count: int) -> RuleSet:
    return RuleSet.compile(definitions(count))


@dataclass(frozen=True)
class World:
    rows: npt.NDArray[np.float32]
    payments: list[Transaction]
    lists: dict[str, frozenset[str]]


def world(days: int = 2, customers: int = 400, seed: int = 7) -> World:
    table = generate(DatasetSpec(days=days, customers=customers, seed=seed))
    rows = replay(table).astype(np.float32)
    fields = [name for name in Transaction.model_fields if name in table.columns]
    payments = []
    for record in table[fields].to_dict("records"):
        values: dict[str, Any] = {k: v for k, v in record.items() if k != "event_time"}
        device = values.get("device_id")
        values["device_id"] = device if isinstance(device, str) else None
        values["channel"] = Channel(values["channel"])
        payments.append(Transaction.model_construct(**values))
    blocked = frozenset(str(card) for card in table["card_id"].unique()[::50])
    return World(rows, payments, {"blocked_cards": blocked})


def us_per_payment(rules: RuleSet, data: World, batch: int, repeats: int = 7) -> float:
    """CPU microseconds per payment: the median over ``repeats`` passes of the whole world, each
    in batches of ``batch``."""
    size = len(data.rows) - len(data.rows) % batch
    model = np.zeros(batch, dtype=np.int8)
    passes = []
    for _ in range(repeats):
        start = time.process_time()
        for at in range(0, size, batch):
            payments = data.payments[at : at + batch]
            rules.decide(model, Batch.of_rows(data.rows[at : at + batch], payments, data.lists))
        passes.append((time.process_time() - start) / size * 1e6)
    return statistics.median(passes)


def bench(
    counts: tuple[int, ...] = (4, 10, 100), batches: tuple[int, ...] = (1, 64, 512)
) -> dict[int, dict[int, float]]:
    data = world()
    figures: dict[int, dict[int, float]] = {}
    for count in counts:
        rules = rule_set(count)
        figures[count] = {b: us_per_payment(rules, data, b, 3 if b == 1 else 5) for b in batches}
    return figures


def table(figures: dict[int, dict[int, float]]) -> str:
    batches = sorted({b for row in figures.values() for b in row})
    head = "| rules | " + " | ".join(f"batch {b}" for b in batches) + " |"
    lines = [head, "|" + " --- |" * (len(batches) + 1)]
    for count, row in figures.items():
        cells = " | ".join(f"{row[b]:.1f} us" if math.isfinite(row[b]) else "-" for b in batches)
        lines.append(f"| {count} | {cells} |")
    return "\n".join(lines)
