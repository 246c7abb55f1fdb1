"""Offline replay: features for a whole history, in event-time order, labels when they arrive.

A label is applied at its arrival time (``label_time``): before that instant no feature can see
it. At equal instants labels go first, then payments in table order. A label reads its payment's
features as served (whether the card's spending explains a fraud), as a live label finds them in
the decision log.
"""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from fraudcore.features.definitions import (
    CARD_EXCESS_COLUMN,
    FEATURE_NAMES,
    NAN,
    Payment,
    apply_label,
    features_and_update,
    key_of,
)
from fraudcore.features.state import CardState, MerchantState

_REQUIRED = (
    "event_time", "card_id", "merchant_id", "amount", "channel", "merchant_category",
    "country", "lat", "lon", "device_id",
)  # fmt: skip


def _epoch_seconds(column: Any) -> npt.NDArray[np.float64]:
    """UTC datetimes (pandas, tz-aware or naive-as-UTC) to microseconds / 1e6."""
    if getattr(column.dt, "tz", None) is not None:
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    micros = column.to_numpy(dtype="datetime64[us]").astype(np.int64)
    return np.asarray(micros / 1e6, dtype=np.float64)


def replay(table: Any) -> npt.NDArray[np.float64]:
    """Feature matrix (rows in ``table`` order, columns in ``FEATURE_NAMES`` order) for a pandas
    DataFrame of transactions in event-time order, with ``label_time`` and ``is_fraud`` columns
    when labels should feed the merchant history (omit them to replay without labels)."""
    return _without_gc(lambda: _Replay(table).run(math.inf, keep_features=True).features)


def replay_state(table: Any, until: float) -> tuple[dict[str, CardState], dict[str, MerchantState]]:
    """The card and merchant histories after every payment and label strictly before ``until``
    (epoch seconds): what a warm start at that instant must reproduce."""
    done = _without_gc(lambda: _Replay(table).run(until, keep_features=False))
    return dict(done.cards), dict(done.merchants)


Result = TypeVar("Result")


def _without_gc(work: Callable[[], Result]) -> Result:
    # Millions of small live objects make every full GC pass scan them all; none form cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return work()
    finally:
        if enabled:
            gc.enable()


class _Replay:
    def __init__(self, table: Any) -> None:
        missing = [name for name in _REQUIRED if name not in table.columns]
        if missing:
            raise ValueError(f"replay needs columns {missing}")
        n = len(table)
        t = _epoch_seconds(table["event_time"])
        if n and np.any(np.diff(t) < 0):
            raise ValueError("transactions must be sorted by event_time")
        self.n = n
        self.card_ids = table["card_id"].to_numpy(dtype=object)
        self.merchant_ids = table["merchant_id"].to_numpy(dtype=object)
        devices = table["device_id"].to_numpy(dtype=object)
        columns = zip(
            t.tolist(),
            table["amount"].to_numpy(dtype=np.float64).tolist(),
            table["channel"].to_numpy(dtype=object).tolist(),
            table["merchant_category"].astype(int).tolist(),
            table["country"].to_numpy(dtype=object).tolist(),
            table["lat"].to_numpy(dtype=np.float64).tolist(),
            table["lon"].to_numpy(dtype=np.float64).tolist(),
            [key_of(merchant) for merchant in self.merchant_ids],
            [key_of(device) if isinstance(device, str) else -1 for device in devices],
            strict=True,
        )
        self.payments = [Payment(*values) for values in columns]

        labelled = "label_time" in table.columns and "is_fraud" in table.columns
        self.label_t = _epoch_seconds(table["label_time"]) if labelled else np.empty(0)
        self.fraud = table["is_fraud"].to_numpy(dtype=bool) if labelled else np.empty(0, bool)
        # One timeline: (time, kind, row) with labels (kind 0) before payments (kind 1) at a tie.
        times = np.concatenate([self.label_t, t])
        kinds = np.concatenate([np.zeros(len(self.label_t), np.int8), np.ones(n, np.int8)])
        rows = np.concatenate([np.arange(len(self.label_t)), np.arange(n)])
        order = np.lexsort((rows, kinds, times))
        self.times, self.kinds, self.rows = times[order], kinds[order], rows[order]
        self.cards: defaultdict[str, CardState] = defaultdict(CardState)
        self.merchants: defaultdict[str, MerchantState] = defaultdict(
            lambda: MerchantState(track=False)
        )
        self.features = np.empty((0, len(FEATURE_NAMES)), dtype=np.float64)

    def run(self, until: float, *, keep_features: bool) -> _Replay:
        end = int(np.searchsorted(self.times, until, side="left"))
        out = np.empty((self.n if keep_features else 0, len(FEATURE_NAMES)), dtype=np.float64)
        cards, merchants, card_ids, merchant_ids = (
            self.cards, self.merchants, self.card_ids, self.merchant_ids,
        )  # fmt: skip
        excess = [NAN] * self.n  # each payment's amount_vs_card_scale, for its label
        for kind, row in zip(self.kinds[:end].tolist(), self.rows[:end].tolist(), strict=True):
            if kind == 0:
                apply_label(
                    merchants[merchant_ids[row]],
                    float(self.label_t[row]),
                    bool(self.fraud[row]),
                    excess[row],
                )
                continue
            features = features_and_update(
                self.payments[row], cards[card_ids[row]], merchants[merchant_ids[row]]
            )
            excess[row] = features[CARD_EXCESS_COLUMN]
            if keep_features:
                out[row] = features
        self.features = out
        return self
