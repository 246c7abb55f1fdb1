"""Who was on which list when, for a backtest over past decisions: each value's spans on each
list, and a batch whose ``card_id in blocked_cards`` tests every payment against the entries in
force at its own instant instead of those in force now.

The instant is when the payment was decided (the decision log's ``decided_at``): the clock list
changes and expiries are kept on, and what the consumer's lists were read against; a payment's
event time may run on a simulated world's clock, or arrive late.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fraudcore.rules.batch import Batch, Mask, Texts

Micros = npt.NDArray[np.int64]  # microseconds since the epoch, UTC
FOREVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class ListHistory:
    """Per list, per value, the spans ``[since, until)`` (microseconds) it was on the list."""

    spans: Mapping[str, Mapping[str, Sequence[tuple[int, int]]]]

    def members_at(self, name: str, values: Texts, at: Micros) -> Mask:
        """Where ``values[i]`` was on list ``name`` at ``at[i]``."""
        out = np.zeros(len(values), dtype=np.bool_)
        spans = self.spans.get(name, {})
        if not spans:
            return out
        rows = np.flatnonzero(np.fromiter((v in spans for v in values), np.bool_, len(values)))
        if rows.size == 0:
            return out
        names, groups = np.unique(values[rows].astype(str), return_inverse=True)
        order = np.argsort(groups, kind="stable")
        edges = np.searchsorted(groups[order], np.arange(len(names) + 1))
        for j, value in enumerate(names.tolist()):
            these = rows[order[edges[j] : edges[j + 1]]]
            when = at[these]
            listed = np.zeros(len(these), dtype=np.bool_)
            for since, until in spans[value]:
                listed |= (when >= since) & (when < until)
            out[these] = listed
        return out


class ListedAt(Batch):
    """A batch of columns whose list lookups read ``history`` at ``at`` (``Window.batch``). A
    list named with a constant on its left reads the batch's ``lists``."""

    history: ListHistory
    at: Micros

    def member(self, field: str, name: str) -> Mask:
        key = (field, name)
        if key not in self._members:
            self._members[key] = self.history.members_at(name, self.text(field)[0], self.at)
        return self._members[key]
