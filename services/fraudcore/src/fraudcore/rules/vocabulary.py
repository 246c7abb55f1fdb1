"""What a rule may name, and as what type: the served features (``fraudcore.features``), the
payment's own fields (``fraudcore.schemas.Transaction``) and the lists (``fraudcore.rules.lists``).

A feature and a payment field of the same name (``amount``, ``merchant_category``) are the
feature: the value as served to the model, which is also what the decision log keeps.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from fraudcore.features.definitions import FEATURE_NAMES
from fraudcore.features.kinds import FLAG_FEATURES
from fraudcore.rules.lists import LIST_KINDS, ListKind
from fraudcore.schemas import Transaction


class Type(StrEnum):
    NUMBER = "a number"
    FLAG = "a flag"  # a number that is 0 or 1: also a condition
    BOOL = "a condition"
    TEXT = "text"
    NUMBERS = "a list of numbers"
    TEXTS = "a list of text"


# Which payment field a list of each kind is matched against (a hint when they are mixed up).
LIST_FIELD: Mapping[ListKind, str] = {
    ListKind.CARD: "card_id",
    ListKind.MERCHANT: "merchant_id",
    ListKind.DEVICE: "device_id",
    ListKind.COUNTRY: "country",
}


def _field_type(annotation: object) -> Type | None:
    """TEXT for str-like fields (optional ones included), NUMBER for floats, None otherwise."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _field_type(typing.get_args(annotation)[0])
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        kinds = {_field_type(arg) for arg in typing.get_args(annotation) if arg is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if isinstance(annotation, type) and issubclass(annotation, str):
        return Type.TEXT
    if annotation is float:
        return Type.NUMBER
    return None


def payment_fields() -> dict[str, Type]:
    """The transaction's text and number fields a rule can read (the event time is not one)."""
    fields: dict[str, Type] = {}
    for name, info in Transaction.model_fields.items():
        kind = _field_type(info.annotation)
        if kind is not None and name not in FEATURE_NAMES:
            fields[name] = kind
    return fields


@dataclass(frozen=True)
class Vocabulary:
    features: Mapping[str, Type]
    fields: Mapping[str, Type]
    lists: Mapping[str, ListKind]

    @classmethod
    def served(cls) -> Vocabulary:
        """Everything the consumer serves: every feature, the payment's fields, the lists."""
        features = {n: Type.FLAG if n in FLAG_FEATURES else Type.NUMBER for n in FEATURE_NAMES}
        return cls(features, payment_fields(), LIST_KINDS)

    def names(self) -> list[str]:
        return [*self.features, *self.fields, *self.lists]


SERVED = Vocabulary.served()
