"""Per-card and per-merchant history: what the features remember between transactions.

Card state is owned by one writer (Kafka partitions by card_id), so it is read, updated and
written back whole. Merchant state is written by every consumer whose cards shop there, so it
is kept as integer counters in time buckets: increments commute, and concurrent writers never
lose an update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

# Exponential time constants of the card's decayed aggregates (seconds).
WINDOWS_S: tuple[float, ...] = (3_600.0, 86_400.0, 7 * 86_400.0, 30 * 86_400.0)
WINDOW_NAMES: tuple[str, ...] = ("1h", "24h", "7d", "30d")
HOUR_S, DAY_S = 3_600, 86_400
MERCHANT_HOURS = 24  # hourly transaction buckets for the merchant's last day
MERCHANT_DAYS = 30  # daily buckets for the merchant's last month (transactions and labels)
MAX_MERCHANTS, MAX_COUNTRIES, MAX_DEVICES, MAX_CATEGORIES = 32, 8, 8, 24
_HISTORY_FIELDS = 13  # CardState's encoded fields before the habits joined as the last one


@dataclass(slots=True)  # attribute reads are a third of the work per payment
class CardHabits:
    """What the habit features remember of a card; part of ``CardState``."""

    t: float = 0.0  # event time of the latest payment folded in (epoch seconds)
    n: int = 0  # payments with a merchant baseline folded into the scale
    scale: float = 0.0  # clipped running mean of log(amount) - merchant's mean log amount
    high: float = 0.0  # decayed (7 d) count of payments far above the scale
    excess: float = 0.0  # decayed (7 d) sum of z above habits._EXCESS_FROM
    weight: float = 0.0  # decayed (30 d) count of payments (hour and category habits)
    hour_x: float = 0.0  # decayed (30 d) sums of the local hour as a unit vector
    hour_y: float = 0.0
    # [mcc, decayed (30 d) count as of its last payment, time of that payment]
    categories: list[list[float]] = field(default_factory=list)

    def to_list(self) -> list[Any]:
        return [
            self.t, self.n, self.scale, self.high, self.excess, self.weight, self.hour_x,
            self.hour_y, self.categories,
        ]  # fmt: skip

    @classmethod
    def from_list(cls, values: list[Any] | None) -> CardHabits:
        return cls(*values) if values else cls()


@dataclass
class CardState:
    """A card's history, summarised in constant space."""

    t: float = 0.0  # event time of the latest transaction (epoch seconds); 0 = none yet
    n: int = 0  # transactions seen
    count: list[float] = field(default_factory=lambda: [0.0] * len(WINDOWS_S))
    amount: list[float] = field(default_factory=lambda: [0.0] * len(WINDOWS_S))
    log_sum: float = 0.0  # decayed (30 d) sum of log1p(amount)
    log_sq: float = 0.0  # decayed (30 d) sum of log1p(amount) ** 2
    lat: float = 0.0  # where the latest transaction happened
    lon: float = 0.0
    home: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # decayed unit vectors
    merchants: list[int] = field(default_factory=list)  # most recent first, crc32 of the id
    countries: list[str] = field(default_factory=list)
    devices: list[int] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    habits: CardHabits = field(default_factory=CardHabits)

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            [
                self.t, self.n, self.count, self.amount, self.log_sum, self.log_sq, self.lat,
                self.lon, self.home, self.merchants, self.countries, self.devices, self.categories,
                self.habits.to_list(),
            ]
        )  # fmt: skip

    @classmethod
    def from_bytes(cls, data: bytes | None) -> CardState:
        return cls.from_list(orjson.loads(data)) if data else cls()

    @classmethod
    def from_list(cls, values: list[Any]) -> CardState:
        """From the encoded list; a state written before the habits existed has none yet."""
        habits = values[_HISTORY_FIELDS] if len(values) > _HISTORY_FIELDS else None
        # The slice stops before the habits, which mypy cannot see through a star.
        return cls(*values[:_HISTORY_FIELDS], habits=CardHabits.from_list(habits))  # type: ignore[misc]


@dataclass
class MerchantState:
    """Bucketed counters: ``h<hour>`` transactions, ``d<day>`` transactions, ``c<day>`` their
    amounts in cents, ``g<day>`` and ``q<day>`` their log amounts and squares in thousandths,
    ``f<day>`` fraud labels, ``u<day>`` those the card's own spending does not explain and
    ``l<day>`` labels, by the hour/day (since the epoch) they happened in.

    ``increments`` and ``expired`` record what changed since loading, for writing back to Redis;
    offline replay passes ``track=False`` and skips that bookkeeping."""

    buckets: dict[str, int] = field(default_factory=dict)
    track: bool = True
    increments: dict[str, int] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)

    def add(self, name: str, amount: int = 1) -> None:
        buckets = self.buckets
        if name not in buckets and name[0] == "d":
            self._expire(int(name[1:]))  # once per merchant and day: drop what no window reads
        buckets[name] = buckets.get(name, 0) + amount
        if self.track:
            self.increments[name] = self.increments.get(name, 0) + amount

    def _expire(self, day: int) -> None:
        oldest_hour = day * (DAY_S // HOUR_S) - MERCHANT_HOURS
        old = [
            name
            for name in self.buckets
            if (
                int(name[1:]) <= oldest_hour
                if name[0] == "h"
                else int(name[1:]) <= day - MERCHANT_DAYS
            )
        ]
        for name in old:
            del self.buckets[name]
        if self.track:
            self.expired.update(old)

    def written(self) -> None:
        self.increments = {}
        self.expired = set()

    @classmethod
    def from_pairs(cls, flat: list[bytes]) -> MerchantState:
        """From HGETALL's flat [field, value, field, value, ...] reply, as a script returns it."""
        names, values = map(bytes.decode, flat[::2]), map(int, flat[1::2])
        return cls(buckets=dict(zip(names, values, strict=True)))
