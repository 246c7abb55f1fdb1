"""Lists a rule reads (``card_id in blocked_cards``): their names, what they hold, and their
entries in memory, each with an optional expiry. A batch reads a snapshot of the entries in
force, taken once per batch, so a rule sees one consistent list for every payment of it; the
snapshot is rebuilt only when an entry changed or expired, so a batch pays nothing for it."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class ListKind(StrEnum):
    CARD = "card"
    MERCHANT = "merchant"
    DEVICE = "device"
    COUNTRY = "country"


_PLURAL = {ListKind.CARD: "cards", ListKind.MERCHANT: "merchants", ListKind.DEVICE: "devices",
           ListKind.COUNTRY: "countries"}  # fmt: skip
# Cards with fraud confirmed on them (a chargeback or an analyst's verdict): the policy's list.
COMPROMISED_CARDS = "compromised_cards"
# blocked_cards, allowed_merchants, watched_countries...: what a list is for, then what it holds.
LIST_KINDS: Mapping[str, ListKind] = {
    f"{use}_{_PLURAL[kind]}": kind for use in ("blocked", "allowed", "watched") for kind in ListKind
} | {COMPROMISED_CARDS: ListKind.CARD}
# The same shapes as the payment's fields (fraudcore.schemas): an entry that cannot match is a typo.
_SHAPES = {
    ListKind.CARD: re.compile(r"^[A-Za-z0-9_.:-]{1,64}$"),
    ListKind.MERCHANT: re.compile(r"^[A-Za-z0-9_.:-]{1,64}$"),
    ListKind.DEVICE: re.compile(r"^[A-Za-z0-9_.:-]{1,64}$"),
    ListKind.COUNTRY: re.compile(r"^[A-Z]{2}$"),
}


class Source(StrEnum):
    """Who put an entry on a list."""

    HAND = "hand"  # someone, by name (fraud-lists add)
    VERDICT = "verdict"  # an analyst's fraud verdict on a payment of the card
    POLICY = "policy"  # the known-compromised policy: a chargeback confirmed fraud on the card


class ListError(ValueError):
    """An entry for a list that does not exist, or one that could never match."""


@dataclass(frozen=True)
class Entry:
    value: str
    expires_at: float  # epoch seconds; math.inf: until removed
    source: Source


@dataclass(frozen=True)
class EntryChange:
    """One change to a list, as the lists' revisions record it."""

    name: str
    value: str
    source: Source | None  # None: removed
    expires_at: float = math.inf


_STALE: tuple[float, float, dict[str, frozenset[str]]] = (math.inf, -math.inf, {})


class Lists:
    """Every list's entries; ``snapshot(now)`` is what rules read."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {name: {} for name in LIST_KINDS}
        # The last snapshot and the times it holds for, [since, until): one tuple, swapped whole.
        self._snapshot: tuple[float, float, dict[str, frozenset[str]]] = _STALE

    def add(
        self, name: str, value: str, *, expires_at: float = math.inf, source: Source = Source.HAND
    ) -> Entry:
        """Adds an entry, or replaces the one of the same value."""
        check(name, value)
        if math.isnan(expires_at):
            raise ListError("an expiry is a time, not NaN")
        entry = Entry(value, expires_at, source)
        self._entries[name][value] = entry
        self._snapshot = _STALE
        return entry

    def changed(self, changes: Iterable[EntryChange]) -> Lists:
        """A copy with ``changes`` applied in order (this one, which batches may be reading, is
        left as it was); only the lists they touch are copied. A change to a list or of a value
        this release cannot read is left out, as a full load leaves it out."""
        out = Lists()
        out._entries = dict(self._entries)
        copied: set[str] = set()
        for change in changes:
            if change.name not in out._entries:
                continue
            if change.name not in copied:
                out._entries[change.name] = dict(out._entries[change.name])
                copied.add(change.name)
            if change.source is None:
                out._entries[change.name].pop(change.value, None)
                continue
            try:
                out.add(change.name, change.value, expires_at=change.expires_at,
                        source=change.source)  # fmt: skip
            except ListError:
                continue
        return out

    def remove(self, name: str, value: str) -> bool:
        self._snapshot = _STALE
        return self._entries.get(name, {}).pop(value, None) is not None

    def entries(self, name: str) -> list[Entry]:
        return sorted(self._entries.get(name, {}).values(), key=lambda entry: entry.value)

    def snapshot(self, now: float) -> dict[str, frozenset[str]]:
        """The values in force at ``now`` (epoch seconds), per list; an entry expires at its
        ``expires_at``, exclusive. The same object until an entry changes or expires."""
        since, until, snapshot = self._snapshot
        if since <= now < until:
            return snapshot
        snapshot = {
            name: frozenset(v for v, entry in entries.items() if entry.expires_at > now)
            for name, entries in self._entries.items()
            if entries
        }
        expiries = [e.expires_at for es in self._entries.values() for e in es.values()]
        # It holds until the next expiry; a clock that went back rebuilds it too.
        self._snapshot = (now, min((at for at in expiries if at > now), default=math.inf), snapshot)
        return snapshot

    def purge(self, now: float) -> int:
        """Forgets entries expired at ``now``; how many."""
        gone = 0
        for entries in self._entries.values():
            for value in [v for v, entry in entries.items() if entry.expires_at <= now]:
                del entries[value]
                gone += 1
        self._snapshot = _STALE
        return gone


def check(name: str, value: str) -> ListKind:
    """The kind of list ``name``, once ``value`` is known to be an entry it could match."""
    kind = LIST_KINDS.get(name)
    if kind is None:
        raise ListError(f"no list {name!r}: there are {sorted(LIST_KINDS)}")
    if not _SHAPES[kind].match(value):
        raise ListError(f"{value!r} is not a {kind.value} id, so {name} could never match it")
    return kind
