"""One batch's write on a Redis Cluster, where a script touches one hash slot only.

Two pipelined round trips (one per node each, the nodes in parallel):

1. commit, per card slot: the payments' markers with their cards' state (``lua/commit.lua``),
   guarded like the single-Redis write: where another consumer wrote one of them first, that
   slot writes nothing. Plus the batch's recovery copy. A payment is processed once it is here.
2. apply, per merchant slot and the ``{live}`` slot: the committed payments' merchant counters,
   map points, alerts and statistics, each call applied once per (writer, write number)
   (``lua/applied.lua``).

A call that failed (a node unreachable, a failover) is sent again, the same, before anything
else: at the next ``write`` or ``finish`` (the batch's retry loads through it), so a Redis error
half-way neither loses nor repeats a payment. Where some slots found their payments written by
another consumer, step 2 carries the committed payments only, then the batch is redone.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from fraud_consumer.batch_write import BatchWrite, WrittenMeanwhileError, consumer_script
from fraudcore import live_stats
from fraudcore.feature_store import FeatureStore, Merchants
from fraudcore.features import CardState, MerchantState, features_and_update, payment_of
from fraudcore.live_streams import alert_id
from fraudcore.redis_scripts import ScriptArgs
from fraudcore.redis_slots import Call, TwoSteps
from fraudcore.schemas import Decision, Transaction

SET_LUA = "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\nreturn 1"
MERCHANTS_LUA = "if first_time(key()) then write_feature_state() end\nreturn 1"


@dataclass
class Pending:
    """A write not yet acknowledged by every slot."""

    batch: BatchWrite
    steps: TwoSteps
    conflicts: set[str] = field(default_factory=set)  # payments another consumer wrote first


class ClusterWriter:
    def __init__(
        self,
        store: FeatureStore,
        record_ttl_s: int,
        batch_ttl_s: int,
        maxlens: tuple[int, int],
    ) -> None:
        self.store, self.client, self.keys = store, store.client, store.keys
        self.record_ttl_s, self.batch_ttl_s, self.maxlens = record_ttl_s, batch_ttl_s, maxlens
        self.writer = uuid.uuid4().hex[:16]  # this process's writes, numbered from 1
        self.number = 0
        self.pending: Pending | None = None
        self._commit = consumer_script(self.client, "commit.lua")
        self._set = consumer_script(self.client, SET_LUA)
        self._merchants = consumer_script(
            self.client,
            "applied.lua",
            "if first_time(key()) then write_feature_state() end\nreturn 1",
        )
        self._live = consumer_script(
            self.client,
            "stats.lua",
            "live.lua",
            "applied.lua",
            "local recent, alerts, stats, model = key(), key(), key(), key()\n"
            "if first_time(key()) then write_live(recent, alerts, stats, model) end\nreturn 1",
        )

    def _mark(self, number: int) -> bytes:
        return f'"w":"{self.writer}:{number}"'.encode()

    def write(self, batch: BatchWrite) -> None:
        self.finish()
        self.number += 1
        mark = self._mark(self.number)
        by_card: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
        for card_id, tx_id, marker in batch.markers:
            # The write's mark inside each marker: a resent commit recognises its own markers.
            by_card[card_id].append(
                (self.keys.transaction(card_id, tx_id), marker[:-1] + b"," + mark + b"}")
            )
        commits, ids = [], []
        for group in self.store.groups(by_card, []):
            call = ScriptArgs().arg(mark, self.record_ttl_s)
            marked = [item for card_id in group.cards for item in by_card[card_id]]
            call.arg(len(marked))
            for key, value in marked:
                call.key(key).arg(value)
            call.arg(self.store.state_ttl(), len(group.cards))
            for card_id in group.cards:
                call.key(self.keys.card(card_id)).arg(batch.cards[card_id].to_bytes())
            ids.append([self.keys.transaction_id(key) for key, _ in marked])
            commits.append(Call(self._commit, call))
        copy = ScriptArgs().key(batch.batch_key).arg(batch.batch_json, self.batch_ttl_s)
        commits.append(Call(self._set, copy))
        ids.append([])
        number = self.number

        def applies(replies: list[Any]) -> list[Call]:
            for some, reply in zip(ids, replies, strict=True):
                if reply == 0:
                    pending.conflicts.update(some)
            return self._applies(batch, pending.conflicts, number)

        pending = Pending(batch, TwoSteps(commits, applies))
        self.pending = pending
        self.finish()

    def finish(self) -> None:
        """Send what is left of the pending write; raises while some call still fails."""
        pending = self.pending
        if pending is None:
            return
        pending.steps.send(self.client)
        self.pending = None
        for merchant in pending.batch.merchants.values():
            merchant.written()
        if pending.conflicts:
            raise WrittenMeanwhileError("another consumer wrote some of this batch: redoing it")

    def _applies(self, batch: BatchWrite, conflicts: set[str], number: int) -> list[Call]:
        batch = committed_only(batch, conflicts)
        who = (self.writer, number)
        changed = {
            m: state for m, state in batch.merchants.items() if state.increments or state.expired
        }
        calls = []
        for group in self.store.groups([], changed):
            call = ScriptArgs().key(self.keys.applied(self.keys.merchant(group.merchants[0])))
            call.arg(*who)
            self.store.add_write(call, {}, {m: changed[m] for m in group.merchants})
            calls.append(Call(self._merchants, call))
        k = self.keys
        live = ScriptArgs().key(k.recent, k.alerts, k.stats, k.model, k.applied(k.stats))
        calls.append(Call(self._live, batch.add_live(live.arg(*who), self.maxlens)))
        return calls


def committed_only(batch: BatchWrite, conflicts: set[str]) -> BatchWrite:
    """The batch less the payments another consumer wrote first (rare: a zombie's race), their
    merchant counts taken out by the feature code itself on empty histories."""
    if not conflicts:
        return batch
    records: list[dict[str, Any]] = orjson.loads(batch.batch_json)
    kept = [r for r in records if r["transaction"]["transaction_id"] not in conflicts]
    merchants: Merchants = {}
    for record in kept:
        tx = Transaction.model_validate(record["transaction"])
        merchant = merchants.setdefault(tx.merchant_id, MerchantState())
        features_and_update(payment_of(tx), CardState(), merchant)
    for merchant_id, loaded in batch.merchants.items():  # dropping old buckets twice is harmless
        merchants.setdefault(merchant_id, MerchantState()).expired.update(loaded.expired)
    return BatchWrite(
        batch_key=batch.batch_key,
        batch_json=batch.batch_json,
        model_version=batch.model_version,
        merchants=merchants,
        points=[p for p in batch.points if orjson.loads(p)["id"] not in conflicts],
        alerts=[a for a in batch.alerts if alert_id(orjson.loads(a)) not in conflicts],
        stats=live_stats.scored_increments(
            (Decision(r["decision"]), r["transaction"]["amount"], r["transaction"]["currency"])
            for r in kept
        ),
    )
