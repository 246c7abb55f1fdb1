"""The columns a compiled rule reads, for a batch of payments: features as served (float32, NaN
where undefined), payment fields (text None / number NaN where absent, and for every payment
when the batch has none) and list contents. Each column is built once per batch, on first use."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudcore.features.definitions import FEATURE_NAMES
from fraudcore.schemas import Transaction

Floats = npt.NDArray[np.floating]
Mask = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]
_INDEX = {name: index for index, name in enumerate(FEATURE_NAMES)}


class Batch:
    def __init__(
        self,
        size: int,
        feature: Callable[[str], Floats],
        payments: Sequence[Transaction] | None = None,
        lists: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.size = size
        self.feature = feature
        self.payments = payments if payments is not None and len(payments) == size else None
        self.lists = lists or {}
        self._texts: dict[str, tuple[Texts, Mask]] = {}
        self._numbers: dict[str, Floats] = {}
        self._members: dict[tuple[str, str], Mask] = {}
        self.memo: dict[int, Any] = {}  # subexpressions computed for this batch (compiler)

    def member(self, field: str, name: str) -> Mask:
        """Where a text field is in a list, computed once per batch however many rules ask."""
        key = (field, name)
        if key not in self._members:
            values, members = self.text(field)[0], self.members(name)
            self._members[key] = np.fromiter((v in members for v in values), np.bool_, self.size)
        return self._members[key]

    @classmethod
    def of_rows(
        cls,
        rows: Floats,
        payments: Sequence[Transaction] | None = None,
        lists: Mapping[str, frozenset[str]] | None = None,
    ) -> Batch:
        """A batch over the model's feature matrix (one row per payment, FEATURE_NAMES order)."""
        columns = np.ascontiguousarray(rows.T)  # a feature's values side by side: faster reads
        return cls(len(rows), lambda name: columns[_INDEX[name]], payments, lists)

    @classmethod
    def of_columns(
        cls,
        size: int,
        features: Mapping[str, Floats],
        texts: Mapping[str, Texts] | None = None,
        numbers: Mapping[str, Floats] | None = None,
        lists: Mapping[str, frozenset[str]] | None = None,
    ) -> Batch:
        """A batch over columns read back from the decision log (a backtest): features as served
        (float32), text fields as object arrays (None where absent), number fields as float64.
        A name not given reads as missing, as for a batch without payments."""
        nowhere = np.full(size, np.nan, dtype=np.float32)
        batch = cls(size, lambda name: features.get(name, nowhere), None, lists)
        for name, values in (texts or {}).items():
            known = np.fromiter((value is not None for value in values), np.bool_, size)
            batch._texts[name] = values, known
        batch._numbers.update(numbers or {})
        return batch

    def text(self, name: str) -> tuple[Texts, Mask]:
        """A text field's values (None where absent) and where it is known."""
        if name not in self._texts:
            values = np.full(self.size, None, dtype=object)
            if self.payments is not None:
                for i, payment in enumerate(self.payments):
                    value = getattr(payment, name)
                    values[i] = None if value is None else str(value)
            self._texts[name] = values, np.array([value is not None for value in values], np.bool_)
        return self._texts[name]

    def number(self, name: str) -> Floats:
        """A number field's values (NaN where absent)."""
        if name not in self._numbers:
            values = np.full(self.size, np.nan, dtype=np.float64)
            if self.payments is not None:
                values[:] = [getattr(payment, name) for payment in self.payments]
            self._numbers[name] = values
        return self._numbers[name]

    def members(self, name: str) -> frozenset[str]:
        """A list's entries in force (an unknown or unloaded list is empty)."""
        return self.lists.get(name, frozenset())


EMPTY = Batch(0, lambda name: np.zeros(0, dtype=np.float32))
