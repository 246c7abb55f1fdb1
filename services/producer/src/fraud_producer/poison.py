"""Deliberately malformed messages, so tests and benchmarks can prove nothing bad gets through."""

from __future__ import annotations

import json
import random
from typing import Final

POISON_KINDS: Final = (
    "bad_json",
    "not_utf8",
    "missing_field",
    "wrong_type",
    "nan_amount",
    "negative_amount",
    "label_leak",
)


def poison_message(kind: str, transaction: dict[str, object]) -> bytes:
    """A message derived from a valid transaction but broken in one specific way."""
    tx = dict(transaction)
    if kind == "bad_json":
        return json.dumps(tx).encode()[: len(json.dumps(tx)) // 2]
    if kind == "not_utf8":
        return b"\xff\xfe\xfa" + json.dumps(tx).encode()
    if kind == "missing_field":
        del tx["card_id"]
    elif kind == "wrong_type":
        tx["amount"] = "twelve euros"
    elif kind == "nan_amount":
        return json.dumps({**tx, "amount": float("nan")}).encode()  # emits the bare NaN token
    elif kind == "negative_amount":
        tx["amount"] = -abs(float(str(tx["amount"])))
    elif kind == "label_leak":
        tx["is_fraud"] = True
    else:
        raise ValueError(f"unknown poison kind {kind!r}")
    return json.dumps(tx).encode()


def pick_kind(rng: random.Random) -> str:
    return rng.choice(POISON_KINDS)
