import random

import pytest
from pydantic import ValidationError

from fraud_producer.poison import POISON_KINDS, pick_kind, poison_message
from fraudcore.schemas import Transaction

VALID = {**Transaction.model_json_schema()["examples"][0]}


@pytest.mark.parametrize("kind", POISON_KINDS)
def test_every_poison_kind_is_rejected_by_the_schema(kind: str) -> None:
    with pytest.raises((ValidationError, UnicodeDecodeError)):
        Transaction.from_json(poison_message(kind, VALID))


def test_the_valid_source_itself_is_accepted() -> None:
    Transaction.model_validate(VALID)


def test_kinds_are_drawn_from_the_list() -> None:
    rng = random.Random(0)
    assert {pick_kind(rng) for _ in range(500)} == set(POISON_KINDS)


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown poison kind"):
        poison_message("mystery", VALID)
