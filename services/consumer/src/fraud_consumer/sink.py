"""The consumer's Redis traffic per batch: one script call to load, one to write. Packing a few
large commands instead of ten small ones per transaction is what lets one Python process keep
up with thousands of payments a second."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import redis

from fraudcore.features import CardState, MerchantState
from fraudcore.redis_keys import RedisKeys


def _script(client: redis.Redis[bytes], name: str) -> Any:
    source = resources.files("fraud_consumer").joinpath("lua", name).read_text()
    return client.register_script(source)  # EVALSHA, falling back to EVAL after a restart


@dataclass
class Loaded:
    cards: dict[str, CardState]
    merchants: dict[str, MerchantState]
    markers: list[bytes | None]  # per transaction, in batch order


@dataclass
class BatchWrite:
    """What one batch writes; ``run`` sends it as one atomic script call."""

    batch_key: str
    batch_json: bytes
    model_version: str
    cards: dict[str, CardState] = field(default_factory=dict)
    merchants: dict[str, MerchantState] = field(default_factory=dict)
    markers: list[tuple[str, bytes]] = field(default_factory=list)
    points: list[bytes] = field(default_factory=list)
    alerts: list[bytes] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)


class RedisSink:
    def __init__(
        self,
        client: redis.Redis[bytes],
        keys: RedisKeys,
        *,
        state_ttl_s: int,
        record_ttl_s: int,
        batch_ttl_s: int,
        recent_maxlen: int,
        alert_maxlen: int,
    ) -> None:
        self.client, self.keys = client, keys
        self.ttls = (state_ttl_s, record_ttl_s, batch_ttl_s)
        self.maxlens = (recent_maxlen, alert_maxlen)
        self._load = _script(client, "load.lua")
        self._sink = _script(client, "sink.lua")

    def load(
        self, card_ids: Sequence[str], merchant_ids: Sequence[str], tx_ids: Sequence[str]
    ) -> Loaded:
        cards, merchants = list(dict.fromkeys(card_ids)), list(dict.fromkeys(merchant_ids))
        k = self.keys
        keys = [
            *(k.card(c) for c in cards),
            *(k.merchant(m) for m in merchants),
            *(k.transaction(t) for t in tx_ids),
        ]
        card_raw, merchant_raw, markers = self._load(keys=keys, args=[len(cards), len(merchants)])
        return Loaded(
            cards={
                cid: CardState.from_bytes(raw) for cid, raw in zip(cards, card_raw, strict=True)
            },
            merchants={
                mid: MerchantState.from_pairs(raw)
                for mid, raw in zip(merchants, merchant_raw, strict=True)
            },
            markers=list(markers),
        )

    def write(self, batch: BatchWrite) -> None:
        k = self.keys
        keys: list[str] = [k.recent, k.alerts, k.stats, k.model, batch.batch_key]
        args: list[Any] = [*self.ttls, *self.maxlens, batch.model_version, batch.batch_json]
        args.append(len(batch.cards))
        for card_id, card in batch.cards.items():
            keys.append(k.card(card_id))
            args.append(card.to_bytes())
        changed = {mid: m for mid, m in batch.merchants.items() if m.increments or m.expired}
        args.append(len(changed))
        for merchant_id, merchant in changed.items():
            keys.append(k.merchant(merchant_id))
            args.append(len(merchant.increments))
            for name, amount in merchant.increments.items():
                args += [name, amount]
            args.append(len(merchant.expired))
            args += sorted(merchant.expired)
        args.append(len(batch.markers))
        for tx_id, marker in batch.markers:
            keys.append(k.transaction(tx_id))
            args.append(marker)
        args += [len(batch.points), *batch.points, len(batch.alerts), *batch.alerts]
        args.append(len(batch.stats))
        for name, value in batch.stats.items():
            args += [name, value]
        self._sink(keys=keys, args=args)
        for merchant in changed.values():
            merchant.written()

    def forget_batches(self, batch_keys: Sequence[str]) -> None:
        """Full records are kept only until Kafka has them; markers stay for deduplication."""
        if batch_keys:
            self.client.delete(*batch_keys)

    def batch_records(self, batch_key: str) -> bytes | None:
        return self.client.get(batch_key)
