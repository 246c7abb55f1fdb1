"""Feature state in Redis: one pipelined round trip to read a batch's histories, and the writes
queued on the caller's pipeline so they commit atomically with the results they produced."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import redis

from fraudcore.features.state import CardState, MerchantState
from fraudcore.redis_keys import RedisKeys


class FeatureStore:
    def __init__(self, client: redis.Redis[bytes], keys: RedisKeys, state_ttl_s: int) -> None:
        self.client = client
        self.keys = keys
        self.state_ttl_s = state_ttl_s

    def load(
        self, card_ids: Iterable[str], merchant_ids: Iterable[str]
    ) -> tuple[dict[str, CardState], dict[str, MerchantState]]:
        cards, merchants = list(dict.fromkeys(card_ids)), list(dict.fromkeys(merchant_ids))
        pipe = self.client.pipeline(transaction=False)
        for card_id in cards:
            pipe.get(self.keys.card(card_id))
        for merchant_id in merchants:
            pipe.hgetall(self.keys.merchant(merchant_id))
        replies: list[Any] = pipe.execute()
        card_states = {
            cid: CardState.from_bytes(raw) for cid, raw in zip(cards, replies, strict=False)
        }
        merchant_states = {
            mid: MerchantState.from_redis(raw)
            for mid, raw in zip(merchants, replies[len(cards) :], strict=True)
        }
        return card_states, merchant_states

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
