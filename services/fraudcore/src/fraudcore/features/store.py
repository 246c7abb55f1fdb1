"""Feature state in Redis: one pipelined round trip to read a batch's histories, and the writes
queued on the caller's pipeline so they commit atomically with the results they produced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis

from fraudcore.features.state import CardState, MerchantState
from fraudcore.redis_keys import RedisKeys


@dataclass(frozen=True)
class LoadPlan:
    """The reads queued on a pipeline; ``parse`` turns the first ``size`` replies into state."""

    cards: list[str]
    merchants: list[str]

    @property
    def size(self) -> int:
        return len(self.cards) + len(self.merchants)

    def parse(self, replies: list[Any]) -> tuple[dict[str, CardState], dict[str, MerchantState]]:
        card_replies, merchant_replies = (
            replies[: len(self.cards)],
            replies[len(self.cards) : self.size],
        )
        return (
            {
                cid: CardState.from_bytes(raw)
                for cid, raw in zip(self.cards, card_replies, strict=True)
            },
            {
                mid: MerchantState.from_redis(raw)
                for mid, raw in zip(self.merchants, merchant_replies, strict=True)
            },
        )


class FeatureStore:
    def __init__(self, client: redis.Redis[bytes], keys: RedisKeys, state_ttl_s: int) -> None:
        self.client = client
        self.keys = keys
        self.state_ttl_s = state_ttl_s

    def queue_load(
        self,
        pipe: redis.client.Pipeline[bytes],
        card_ids: Iterable[str],
        merchant_ids: Iterable[str],
    ) -> LoadPlan:
        """Queue the reads of these histories on ``pipe`` (so callers can add their own reads
        to the same round trip)."""
        plan = LoadPlan(list(dict.fromkeys(card_ids)), list(dict.fromkeys(merchant_ids)))
        for card_id in plan.cards:
            pipe.get(self.keys.card(card_id))
        for merchant_id in plan.merchants:
            pipe.hgetall(self.keys.merchant(merchant_id))
        return plan

    def load(
        self, card_ids: Iterable[str], merchant_ids: Iterable[str]
    ) -> tuple[dict[str, CardState], dict[str, MerchantState]]:
        pipe = self.client.pipeline(transaction=False)
        plan = self.queue_load(pipe, card_ids, merchant_ids)
        return plan.parse(pipe.execute())

    def queue_writes(
        self,
        pipe: redis.client.Pipeline[bytes],
        cards: dict[str, CardState],
        merchants: dict[str, MerchantState],
    ) -> None:
        """Card states replace the stored ones; merchant counters are incremented (commutative,
        so concurrent consumers never lose an update) and their expired buckets deleted."""
        for card_id, card in cards.items():
            pipe.set(self.keys.card(card_id), card.to_bytes(), ex=self.state_ttl_s)
        for merchant_id, merchant in merchants.items():
            if not merchant.increments and not merchant.expired:
                continue
            key = self.keys.merchant(merchant_id)
            for name, amount in merchant.increments.items():
                pipe.hincrby(key, name, amount)
            if merchant.expired:
                pipe.hdel(key, *sorted(merchant.expired))
            pipe.expire(key, self.state_ttl_s)
            merchant.written()

    def queue_replace(
        self,
        pipe: redis.client.Pipeline[bytes],
        cards: dict[str, CardState],
        merchants: dict[str, MerchantState],
    ) -> None:
        """Whole histories written over whatever is stored (a warm start): repeating it after a
        crash half-way gives the same state, where increments would count twice."""
        for card_id, card in cards.items():
            pipe.set(self.keys.card(card_id), card.to_bytes(), ex=self.state_ttl_s)
        for merchant_id, merchant in merchants.items():
            key = self.keys.merchant(merchant_id)
            pipe.delete(key)
            if merchant.buckets:
                pipe.hset(key, mapping=merchant.buckets)  # type: ignore[arg-type]
                pipe.expire(key, self.state_ttl_s)
