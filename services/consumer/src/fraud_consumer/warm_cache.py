"""The state a history leaves behind, kept on disk under the history's digest and the feature
code's: a development stack that starts again from the same history loads it in seconds
instead of replaying a million payments. Written to a temporary name and renamed, so two
processes building the same entry at once never read half of one."""

from __future__ import annotations

import hashlib
import math
import os
from pathlib import Path

import orjson

from fraudcore.code_digest import FEATURES, code_digest
from fraudcore.features import CardState, MerchantState, Pending, WarmState

CACHE_VERSION = "warm-start-v2"  # v2: a pending payment keeps its amount_vs_card_scale


def cache_file(cache_dir: Path, history_digest: str) -> Path:
    key = hashlib.sha256(f"{history_digest}:{code_digest(FEATURES)}".encode()).hexdigest()[:24]
    return cache_dir / CACHE_VERSION / f"{key}.json"


def save(path: Path, state: WarmState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "rows": state.rows,
        "labels": state.labels,
        "cards": {cid: orjson.Fragment(card.to_bytes()) for cid, card in state.cards.items()},
        "merchants": {mid: merchant.buckets for mid, merchant in state.merchants.items()},
        # NaN (no scale yet) is written as null: JSON has no NaN.
        "pending": [
            [p.transaction_id, p.card_id, p.merchant_id, p.card_excess] for p in state.pending
        ],
    }
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_bytes(orjson.dumps(body))
    partial.replace(path)


def load(path: Path) -> WarmState | None:
    """The cached state, or None when there is none (or it is unreadable: it is rebuilt)."""
    try:
        body = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return WarmState(
        cards={cid: CardState.from_list(values) for cid, values in body["cards"].items()},
        merchants={
            mid: MerchantState(buckets=buckets, track=False)
            for mid, buckets in body["merchants"].items()
        },
        pending=[
            Pending(tx, card, merchant, math.nan if excess is None else excess)
            for tx, card, merchant, excess in body["pending"]
        ],
        rows=body["rows"],
        labels=body["labels"],
    )
