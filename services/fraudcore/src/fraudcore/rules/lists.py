"""Lists a rule reads (``card_id in blocked_cards``): their names, what they hold, and their
entries in memory, each with an optional expiry. A batch reads a snapshot of the entries in
force, taken once per batch, so a rule sees one consistent list for every payment of it."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class ListKind(StrEnum):
    CARD = "card"
    MERCHANT = "merchant"
    DEVICE = "device"
    COUNTRY = "country"


_PLURAL = {ListKind.CARD: "cards", ListKind.MERCHANT: "merchants", ListKind.DEVICE: "devices",
           ListKind.COUNTRY: "countries"}  # fmt: skip
# blocked_cards, allowed_merchants, watched_countries...: what a list is for, then what it holds.
LIST_KINDS: Mapping[str, ListKind] = {
    f"{use}_{_PLURAL[kind]}": kind for use in ("blocked", "allowed", "watched") for kind in ListKind
}
# The same shapes as the payment's fields (fraudcore.schemas): an entry that cannot match is a typo.
_SHAPES = {
    ListKind.CARD: re.compile(r"^[A-Za-z0-9_.:-]{1,64}$"),
    ListKind.MERCHANT: re.compile(r"^[A-Za-z0-9_.:-]{1,64}$"),
    ListKind.DEVICE: re.compile(r"^[A-Za-z0-9_.:-]{1,64}$"),
    ListKind.COUNTRY: re.compile(r"^[A-Z]{2}$"),
}


class ListError(ValueError):
    """An entry for a list that does not exist, or one that could never match."""


@dataclass(frozen=True)
class Entry:
    value: str
    expires_at: float  # epoch seconds; math.inf: until removed
    source: str  # who put it there: "hand", "verdict", "policy"


class Lists:
    """Every list's entries; ``snapshot(now)`` is what rules read."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {name: {} for name in LIST_KINDS}

    def add(
        self, name: str, value: str, *, expires_at: float = math.inf, source: str = "hand"
    ) -> Entry:
        """Adds or renews an entry (the latest expiry wins)."""
        kind = LIST_KINDS.get(name)
        if kind is None:
            raise ListError(f"no list {name!r}: there are {sorted(LIST_KINDS)}")
        if not _SHAPES[kind].match(value):
            raise ListError(f"{value!r} is not a {kind.value} id, so {name} could never match it")
        if math.isnan(expires_at):
            raise ListError("an expiry is a time, not NaN")
        entry = Entry(value, expires_at, source)
        self._entries[name][value] = entry
        return entry

    def remove(self, name: str, value: str) -> bool:
        return self._entries.get(name, {}).pop(value, None) is not None

    def entries(self, name: str) -> list[Entry]:
        return sorted(self._entries.get(name, {}).values(), key=lambda entry: entry.value)

    def snapshot(self, now: float) -> dict[str, frozenset[str]]:
        """The values in force at ``now`` (epoch seconds), per list; an entry expires at its
        ``expires_at``, exclusive."""
        return {
            name: frozenset(v for v, entry in entries.items() if entry.expires_at > now)
            for name, entries in self._entries.items()
            if entries
        }

    def purge(self, now: float) -> int:
        """Forgets entries expired at ``now``; how many."""
        gone = 0
        for entries in self._entries.values():
            for value in [v for v, entry in entries.items() if entry.expires_at <= now]:
                del entries[value]
                gone += 1
        return gone
