"""The columns a compiled rule reads, for a batch of payments: features as served (float32, NaN
where undefined), payment fields (text None / number NaN where absent, and for every payment
when the batch has none) and list contents. Each column is built once per batch, on first use."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudcore.features.definitions import FEATURE_NAMES
from fraudcore.schemas import Transaction

Floats = npt.NDArray[np.floating]
Mask = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]
_INDEX = {name: index for index, name in enumerate(FEATURE_NAMES)}


@functools.lru_cache(maxsize=1024)
def _indices(names: tuple[str, ...]) -> npt.NDArray[np.intp]:
    return np.array([_INDEX[name] for name in names], dtype=np.intp)


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
        self._lists: dict[str, list[str | None]] = {}
        self._numbers: dict[str, Floats] = {}
        self._members: dict[tuple[str, str], Mask] = {}
        self.memo: dict[Hashable, Any] = {}  # computed for this batch (compiler, program)
        self._columns: Floats | None = None  # of_rows: every feature's column, one matrix

    def features(self, names: tuple[str, ...]) -> Floats:
        """Several features' columns as the rows of one matrix, of one dtype (a TypeError for
        columns of several: stacking them would change their values)."""
        if self._columns is not None:
            return np.take(self._columns, _indices(names), axis=0)
        read = {name: self.feature(name) for name in dict.fromkeys(names)}  # each read once
        if len({column.dtype for column in read.values()}) > 1:
            raise TypeError(f"feature columns of several dtypes: {names}")
        if not read:
            return np.zeros((0, self.size), np.float32)
        return np.stack([read[name] for name in names])

    def matrix(self) -> Floats | None:
        """Features x payments, for a batch over the model's feature matrix (else None)."""
        return self._columns

    def member(self, field: str, name: str) -> Mask:
        """Where a text field is in a list, computed once per batch however many rules ask."""
        key = (field, name)
        if key not in self._members:
            members = self.members(name)
            if not members:  # an empty or unloaded list: no pass over the payments
                self._members[key] = np.zeros(self.size, dtype=np.bool_)
            else:
                values = (v in members for v in self.texts(field))
                self._members[key] = np.fromiter(values, np.bool_, self.size)
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
        batch = cls(len(rows), lambda name: columns[_INDEX[name]], payments, lists)
        batch._columns = columns
        return batch

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
            values = np.empty(self.size, dtype=object)
            values[:] = self.texts(name)
            self._texts[name] = values, np.not_equal(values, np.array(None)).astype(np.bool_)
        return self._texts[name]

    def texts(self, name: str) -> list[str | None]:
        """A text field's values as a list (what a pass over them in Python reads fastest)."""
        if name not in self._lists:
            if name in self._texts:
                self._lists[name] = self._texts[name][0].tolist()
            elif self.payments is None:
                self._lists[name] = [None] * self.size
            else:
                raw = map(operator.attrgetter(name), self.payments)
                self._lists[name] = [v if v is None or type(v) is str else str(v) for v in raw]
        return self._lists[name]

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
