"""A rule's text names what a backtest must read: features, text and number fields, lists."""

import pytest

from fraudcore.rules import RuleError
from fraudcore.rules.reads import NOTHING, reads


def test_names_are_sorted_by_kind_wherever_they_appear() -> None:
    found = reads(
        "not missing(device_id) and (amount > 10 or abs(lat - 2) < 1) "
        "and card_id in blocked_cards and country in ['FR'] and new_merchant"
    )
    assert found.features == {"amount", "new_merchant"}
    assert found.texts == {"device_id", "card_id", "country"}
    assert found.numbers == {"lat"}
    assert found.lists == {"blocked_cards"}
    assert found.fields == {"device_id", "card_id", "country", "lat"}


def test_a_rule_of_features_only_reads_no_field_and_union_adds_up() -> None:
    one, other = reads("amount > 5"), reads("channel == 'online'")
    assert (one.fields, one.features) == (set(), {"amount"})
    assert (one | other).texts == {"channel"}
    assert (NOTHING | one) == one


def test_a_rule_that_does_not_parse_is_refused_with_its_place() -> None:
    with pytest.raises(RuleError, match="line 1, column 9"):
        reads("amount >")
