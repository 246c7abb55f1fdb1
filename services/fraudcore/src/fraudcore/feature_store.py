"""Card and merchant feature state in Redis: the one reader and writer of its layout.

``load`` and ``write`` are one script call each, for the scorer, label handling and back-filling
history. Callers that must write state atomically with records of their own (the consumer's batch
write) add the same sections to their own script: ``add_read``/``add_write`` append the
arguments, ``lua/feature_state.lua`` (``FEATURE_STATE_LUA``) reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from fraudcore.features.state import CardState, MerchantState
from fraudcore.redis_keys import RedisKeys
from fraudcore.redis_scripts import FEATURE_STATE_LUA, ScriptArgs, register

Cards = dict[str, CardState]
Merchants = dict[str, MerchantState]


@dataclass(frozen=True)
class StateRead:
    """The histories one call asks for; ``parse`` turns the script's replies into state."""

    cards: list[str]
    merchants: list[str]

    def parse(
        self, card_replies: list[Any], merchant_replies: list[Any]
    ) -> tuple[Cards, Merchants]:
        return (
            {c: CardState.from_bytes(raw) for c, raw in zip(self.cards, card_replies, strict=True)},
            {
                m: MerchantState.from_pairs(raw)
                for m, raw in zip(self.merchants, merchant_replies, strict=True)
            },
        )


@dataclass(frozen=True)
class StateWrite:
    """The merchants one call writes; ``done`` once it ran, so their changes are not re-sent."""

    merchants: list[MerchantState]

    def done(self) -> None:
        for merchant in self.merchants:
            merchant.written()


class FeatureStore:
    def __init__(
        self, client: redis.Redis[bytes], keys: RedisKeys, state_ttl_s: int | None = None
    ) -> None:
        """``state_ttl_s``: how long unused state lives; a read-only user (the scorer) has none."""
        self.client, self.keys, self.state_ttl_s = client, keys, state_ttl_s
        self._load = register(client, FEATURE_STATE_LUA, "return {read_feature_state()}")
        self._write = register(client, FEATURE_STATE_LUA, "write_feature_state()\nreturn 1")
        self._replace = register(client, FEATURE_STATE_LUA, "replace_feature_state()\nreturn 1")

    def add_read(
        self, call: ScriptArgs, card_ids: Iterable[str], merchant_ids: Iterable[str]
    ) -> StateRead:
        """Append the read section (``read_feature_state()``) for these ids, each once."""
        read = StateRead(list(dict.fromkeys(card_ids)), list(dict.fromkeys(merchant_ids)))
        call.arg(len(read.cards), len(read.merchants))
        call.key(*map(self.keys.card, read.cards), *map(self.keys.merchant, read.merchants))
        return read

    def _ttl(self) -> int:
        if self.state_ttl_s is None:
            raise ValueError("this feature store is read-only: it was given no state TTL")
        return self.state_ttl_s

    def add_write(self, call: ScriptArgs, cards: Cards, merchants: Merchants) -> StateWrite:
        """Append the write section (``write_feature_state()``): card states replace the stored
        ones; merchant counters are incremented and their expired buckets deleted."""
        call.arg(self._ttl(), len(cards))
        for card_id, card in cards.items():
            call.key(self.keys.card(card_id)).arg(card.to_bytes())
        changed = {m: state for m, state in merchants.items() if state.increments or state.expired}
        call.arg(len(changed))
        for merchant_id, merchant in changed.items():
            call.key(self.keys.merchant(merchant_id))
            call.pairs(merchant.increments.items()).counted_args(sorted(merchant.expired))
        return StateWrite(list(changed.values()))

    def load(self, card_ids: Iterable[str], merchant_ids: Iterable[str]) -> tuple[Cards, Merchants]:
        """The current histories of these cards and merchants (empty where none), one call."""
        call = ScriptArgs()
        read = self.add_read(call, card_ids, merchant_ids)
        return read.parse(*call.run(self._load))

    def write(self, cards: Mapping[str, CardState], merchants: Mapping[str, MerchantState]) -> None:
        """Write these card and merchant states, atomically, in one call."""
        call = ScriptArgs()
        write = self.add_write(call, dict(cards), dict(merchants))
        call.run(self._write)
        write.done()

    def replace(
        self, cards: Mapping[str, CardState], merchants: Mapping[str, MerchantState]
    ) -> None:
        """Whole histories written over whatever is stored, in one call (a warm start):
        repeating it after a crash half-way gives the same state, where increments would not."""
        call = ScriptArgs().arg(self._ttl(), len(cards))
        for card_id, card in cards.items():
            call.key(self.keys.card(card_id)).arg(card.to_bytes())
        call.arg(len(merchants))
        for merchant_id, merchant in merchants.items():
            call.key(self.keys.merchant(merchant_id)).pairs(merchant.buckets.items())
        call.run(self._replace)
