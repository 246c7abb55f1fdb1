"""A day (or any span) of simulated transactions as parallel numpy columns."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt

# Column order of Channel codes; the strings are fraudcore.schemas.Channel values.
CHANNELS = np.array(["pos", "online", "atm", "contactless"], dtype=object)
POS, ONLINE, ATM, CONTACTLESS = 0, 1, 2, 3


@dataclass(frozen=True)
class TxBatch:
    t: npt.NDArray[np.float64]  # seconds since the simulation's start
    card: npt.NDArray[np.int64]
    merchant: npt.NDArray[np.int64]
    amount: npt.NDArray[np.float64]
    channel: npt.NDArray[np.int64]
    place: npt.NDArray[np.int64]  # where the payment happened (index into Places)
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    device: npt.NDArray[np.int64]  # index into the simulator's device names, -1 for none
    scenario: npt.NDArray[np.int64]  # 0 genuine, else 1 + index into catalog.SCENARIOS
    label_delay: npt.NDArray[np.float64]  # seconds from event to ground truth

    def __len__(self) -> int:
        return len(self.t)

    @classmethod
    def empty(cls) -> TxBatch:
        return cls.concat([])

    @classmethod
    def concat(cls, batches: list[TxBatch]) -> TxBatch:
        columns: dict[str, Any] = {}
        for column in fields(cls):
            parts = [getattr(batch, column.name) for batch in batches]
            dtype = np.float64 if column.name in _FLOAT_COLUMNS else np.int64
            columns[column.name] = (
                np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)
            )
        return cls(**columns)

    def take(self, index: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> TxBatch:
        return TxBatch(
            **{column.name: getattr(self, column.name)[index] for column in fields(self)}
        )

    def sorted(self) -> TxBatch:
        # Stable sort: simultaneous events keep their generation order, so output is reproducible.
        return self.take(np.argsort(self.t, kind="stable"))

    def with_columns(self, **columns: Any) -> TxBatch:
        return replace(self, **columns)

    @property
    def is_fraud(self) -> npt.NDArray[np.bool_]:
        return self.scenario > 0


_FLOAT_COLUMNS = frozenset({"t", "amount", "lat", "lon", "label_delay"})
