"""Card and merchant feature state in Redis: the one reader and writer of its layout.

``load`` and ``write`` are one script call each on a single Redis, for the scorer, label
handling and back-filling history; on a Redis Cluster one call per hash slot, pipelined
(``fraudcore.redis_slots``). Callers that must write state atomically with records of their own
(the consumer's batch write) add the same sections to their own script: ``add_read``/``add_write``
append the arguments, ``lua/feature_state.lua`` (``FEATURE_STATE_LUA``) reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fraudcore.features.state import CardState, MerchantState
from fraudcore.redis_client import RedisClient, is_cluster
from fraudcore.redis_keys import RedisKeys
from fraudcore.redis_scripts import FEATURE_STATE_LUA, ScriptArgs, register
from fraudcore.redis_slots import Call, raise_first, run_calls, slot_of

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


# The read section, then #keys and those keys' values (GET): what one batch reads besides state.
LOAD_LUA = """local cards, merchants = read_feature_state()
local values = {}
for i = 1, tonumber(take()) do values[i] = redis.call('GET', key()) end
return {cards, merchants, values}"""


@dataclass
class SlotGroup:
    """What one hash slot holds of a batch's ids: one script call's worth."""

    cards: list[str]
    merchants: list[str]
    extra: list[int]  # positions in the caller's list of extra keys


class FeatureStore:
    def __init__(
        self, client: RedisClient, keys: RedisKeys, state_ttl_s: int | None = None
    ) -> None:
        """``state_ttl_s``: how long unused state lives; a read-only user (the scorer) has none."""
        self.client, self.keys, self.state_ttl_s = client, keys, state_ttl_s
        self.cluster = is_cluster(client)
        self._load = register(client, FEATURE_STATE_LUA, LOAD_LUA)
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

    def state_ttl(self) -> int:
        if self.state_ttl_s is None:
            raise ValueError("this feature store is read-only: it was given no state TTL")
        return self.state_ttl_s

    def add_write(self, call: ScriptArgs, cards: Cards, merchants: Merchants) -> StateWrite:
        """Append the write section (``write_feature_state()``): card states replace the stored
        ones; merchant counters are incremented and their expired buckets deleted."""
        call.arg(self.state_ttl(), len(cards))
        for card_id, card in cards.items():
            call.key(self.keys.card(card_id)).arg(card.to_bytes())
        changed = {m: state for m, state in merchants.items() if state.increments or state.expired}
        call.arg(len(changed))
        for merchant_id, merchant in changed.items():
            call.key(self.keys.merchant(merchant_id))
            call.pairs(merchant.increments.items()).counted_args(sorted(merchant.expired))
        return StateWrite(list(changed.values()))

    def load(self, card_ids: Iterable[str], merchant_ids: Iterable[str]) -> tuple[Cards, Merchants]:
        """The current histories of these cards and merchants (empty where none)."""
        cards, merchants, _ = self.load_with(card_ids, merchant_ids, [])
        return cards, merchants

    def groups(
        self, card_ids: Iterable[str], merchant_ids: Iterable[str], extra_keys: Sequence[str] = ()
    ) -> list[SlotGroup]:
        """These ids (each once) and extra keys by hash slot; one group on a single Redis."""
        cards, merchants = list(dict.fromkeys(card_ids)), list(dict.fromkeys(merchant_ids))
        if not self.cluster:
            return [SlotGroup(cards, merchants, list(range(len(extra_keys))))]
        groups: dict[int, SlotGroup] = {}

        def group(key: str) -> SlotGroup:
            return groups.setdefault(slot_of(key), SlotGroup([], [], []))

        for card_id in cards:
            group(self.keys.card(card_id)).cards.append(card_id)
        for merchant_id in merchants:
            group(self.keys.merchant(merchant_id)).merchants.append(merchant_id)
        for i, key in enumerate(extra_keys):
            group(key).extra.append(i)
        return list(groups.values())

    def load_with(
        self, card_ids: Iterable[str], merchant_ids: Iterable[str], extra_keys: Sequence[str]
    ) -> tuple[Cards, Merchants, list[bytes | None]]:
        """State, and the values of ``extra_keys`` (GET) in their order: one script call on a
        single Redis, one per slot (pipelined) on a cluster."""
        calls, reads = [], []
        for group in self.groups(card_ids, merchant_ids, extra_keys):
            call = ScriptArgs()
            reads.append((self.add_read(call, group.cards, group.merchants), group.extra))
            call.counted_keys([extra_keys[i] for i in group.extra])
            calls.append(Call(self._load, call))
        replies = run_calls(self.client, calls)
        raise_first(replies)
        cards: Cards = {}
        merchants: Merchants = {}
        values: list[bytes | None] = [None] * len(extra_keys)
        for (read, extra), (card_raw, merchant_raw, found) in zip(reads, replies, strict=True):
            some_cards, some_merchants = read.parse(card_raw, merchant_raw)
            cards.update(some_cards)
            merchants.update(some_merchants)
            for i, value in zip(extra, found, strict=True):
                values[i] = value
        return cards, merchants, values

    def write(self, cards: Mapping[str, CardState], merchants: Mapping[str, MerchantState]) -> None:
        """Write these card and merchant states: atomically on a single Redis, per slot on a
        cluster (each card and each merchant whole)."""
        calls, writes = [], []
        for group in self.groups(cards, merchants):
            call = ScriptArgs()
            picked = {c: cards[c] for c in group.cards}
            writes.append(self.add_write(call, picked, {m: merchants[m] for m in group.merchants}))
            calls.append(Call(self._write, call))
        raise_first(run_calls(self.client, calls))
        for write in writes:
            write.done()

    def replace(
        self, cards: Mapping[str, CardState], merchants: Mapping[str, MerchantState]
    ) -> None:
        """Whole histories written over whatever is stored (a warm start): repeating it after a
        crash half-way gives the same state, where increments would not."""
        calls = []
        for group in self.groups(cards, merchants):
            call = ScriptArgs().arg(self.state_ttl(), len(group.cards))
            for card_id in group.cards:
                call.key(self.keys.card(card_id)).arg(cards[card_id].to_bytes())
            call.arg(len(group.merchants))
            for merchant_id in group.merchants:
                call.key(self.keys.merchant(merchant_id)).pairs(
                    merchants[merchant_id].buckets.items()
                )
            calls.append(Call(self._replace, call))
        raise_first(run_calls(self.client, calls))
