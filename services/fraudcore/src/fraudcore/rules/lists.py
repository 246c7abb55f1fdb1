"""Lists a rule reads (``card_id in blocked_cards``): the names and what they hold."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class ListKind(StrEnum):
    CARD = "card"
    MERCHANT = "merchant"
    DEVICE = "device"
    COUNTRY = "country"


_PLURAL = {ListKind.CARD: "cards", ListKind.MERCHANT: "merchants", ListKind.DEVICE: "devices",
           ListKind.COUNTRY: "countries"}  # fmt: skip
# blocked_cards, allowed_merchants, watched_countries...: what a list is for, then what it holds.
LIST_KINDS: Mapping[str, ListKind] = {
    f"{use}_{_PLURAL[kind]}": kind for use in ("blocked", "allowed", "watched") for kind in ListKind
}
