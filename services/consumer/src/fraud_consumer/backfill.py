"""``fraud-consumer backfill --history FILE``: the warm start. A history export is replayed
through the feature module (the code training and serving run) and the resulting card and
merchant state is written to Redis before live traffic is consumed, so the first live payment
has the history it would have had in training; this is how a deployment bootstraps from its
own transaction history.

Payments whose label had not arrived by the history's cut-off get a marker, so their label is
applied when it comes on the labels topic (it counts towards the merchant's history, not towards
live precision and recall: nobody decided them live). Nothing is written until the whole file
has been read and checked; state is written whole (not incremented), so a run repeated after
a crash half-way leaves the same state; a finished run is recorded and not repeated; and state
from another history or from live traffic is never overwritten without ``--force``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from fraud_consumer import warm_cache
from fraud_consumer.records import history_marker
from fraud_consumer.settings import BackfillSettings
from fraudcore import live_stats
from fraudcore.feature_store import FeatureStore
from fraudcore.features import WarmState, replay_history
from fraudcore.history import read_history
from fraudcore.redis_client import RedisClient
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import format_time, utcnow

log = logging.getLogger(__name__)
WRITE_CHUNK = 2_000  # cards and merchants per script call


class BackfillRefusedError(RuntimeError):
    """Redis already holds other state; loading over it would mix two worlds."""


@dataclass(frozen=True)
class BackfillResult:
    rows: int
    labels: int
    pending: int
    cards: int
    merchants: int
    seconds: float
    skipped: bool = False  # this history was loaded before
    cached: bool = False  # the state came from the cache, not a replay


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_target(client: RedisClient, keys: RedisKeys, digest: str, force: bool) -> bool:
    """True when this very history is loaded already; raises when other state is there."""
    loaded = client.hget(keys.warm_start, "digest")
    if loaded is not None and loaded.decode() == digest and not force:
        return True
    if force:
        return False
    if loaded is not None:
        raise BackfillRefusedError(
            f"Redis (prefix {keys.prefix!r}) holds the state of another history "
            f"({loaded.decode()[:16]}...); pass --force to replace it"
        )
    if client.hget(keys.stats, live_stats.TRANSACTIONS) is not None:
        raise BackfillRefusedError(
            f"Redis (prefix {keys.prefix!r}) already holds live state; pass --force to "
            "overwrite card and merchant histories with the history's"
        )
    return False


def _replay(history: Path, digest: str, cache_dir: Path | None) -> tuple[WarmState, str, bool]:
    """The state, the history's cut-off and whether the state came from the cache."""
    cached_at = warm_cache.cache_file(cache_dir, digest) if cache_dir else None
    with read_history(history) as (header, rows):
        cutoff = format_time(header.cutoff)
        if cached_at is not None and (state := warm_cache.load(cached_at)) is not None:
            log.info("warm-start state from the cache %s", cached_at)
            return state, cutoff, True
        log.info("replaying %d payments before %s from %s", header.rows, cutoff, history)
        state = replay_history(rows)
    if cached_at is not None:
        warm_cache.save(cached_at, state)
    return state, cutoff, False


def _write(client: RedisClient, keys: RedisKeys, settings: BackfillSettings,
           state: WarmState) -> None:  # fmt: skip
    store = FeatureStore(client, keys, settings.state_ttl_s)
    cards, merchants = list(state.cards.items()), list(state.merchants.items())
    for start in range(0, max(len(cards), len(merchants)), WRITE_CHUNK):
        store.replace(
            dict(cards[start : start + WRITE_CHUNK]), dict(merchants[start : start + WRITE_CHUNK])
        )
    for start in range(0, len(state.pending), WRITE_CHUNK):
        pipe = client.pipeline(transaction=False)
        for item in state.pending[start : start + WRITE_CHUNK]:
            marker = history_marker(item.card_id, item.merchant_id, item.card_excess)
            pipe.set(
                keys.transaction(item.card_id, item.transaction_id),
                marker,
                ex=settings.result_ttl_s,
            )
        pipe.execute()


def backfill(
    client: RedisClient,
    settings: BackfillSettings,
    history: Path,
    *,
    cache_dir: Path | None = None,
    force: bool = False,
) -> BackfillResult:
    began = time.perf_counter()
    keys = RedisKeys(settings.redis_key_prefix)
    digest = file_digest(history)
    if _check_target(client, keys, digest, force):
        info = {k.decode(): v.decode() for k, v in client.hgetall(keys.warm_start).items()}
        return BackfillResult(
            int(info.get("rows", 0)), int(info.get("labels", 0)), int(info.get("pending", 0)),
            int(info.get("cards", 0)), int(info.get("merchants", 0)),
            time.perf_counter() - began, skipped=True,
        )  # fmt: skip
    state, cutoff, cached = _replay(history, digest, cache_dir)
    _write(client, keys, settings, state)
    result = BackfillResult(
        state.rows, state.labels, len(state.pending), len(state.cards), len(state.merchants),
        time.perf_counter() - began, cached=cached,
    )  # fmt: skip
    client.hset(
        keys.warm_start,
        mapping={
            "digest": digest,
            "file": history.name,
            "cutoff": cutoff,
            "loaded_at": format_time(utcnow()),
            "rows": result.rows,
            "labels": result.labels,
            "pending": result.pending,
            "cards": result.cards,
            "merchants": result.merchants,
        },
    )  # written last: its presence means the whole state is there
    return result
