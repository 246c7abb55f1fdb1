"""Lists: entries with expiry, checked against what the list holds, read by rules through a
snapshot per batch."""

import math

import numpy as np
import pytest

from fraudcore.features import FEATURE_NAMES
from fraudcore.rules import BASELINE_RULES, Batch, RuleSet, compile_condition
from fraudcore.rules.baseline import KNOWN_COMPROMISED
from fraudcore.rules.lists import (
    COMPROMISED_CARDS,
    LIST_KINDS,
    EntryChange,
    ListError,
    ListKind,
    Lists,
    Source,
)


def test_entries_expire_and_can_be_renewed_or_removed() -> None:
    lists = Lists()
    lists.add("blocked_cards", "card-1")
    lists.add("blocked_cards", "card-2", expires_at=100.0, source=Source.VERDICT)
    lists.add("blocked_countries", "KP", expires_at=50.0)
    assert lists.snapshot(10.0) == {
        "blocked_cards": frozenset({"card-1", "card-2"}),
        "blocked_countries": frozenset({"KP"}),
    }
    assert lists.snapshot(100.0) == {
        "blocked_cards": frozenset({"card-1"}),
        "blocked_countries": frozenset(),
    }
    lists.add("blocked_cards", "card-2", expires_at=200.0)
    assert lists.snapshot(150.0)["blocked_cards"] == {"card-1", "card-2"}
    assert [entry.source for entry in lists.entries("blocked_cards")] == ["hand", "hand"]
    assert lists.purge(200.0) == 2  # card-2 and KP
    assert lists.remove("blocked_cards", "card-1")
    assert not lists.remove("blocked_cards", "card-1")
    assert lists.snapshot(0.0) == {}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("blocked_card", "card-1", "no list 'blocked_card'"),
        ("blocked_countries", "fr", "'fr' is not a country id"),
        ("blocked_merchants", "merchant with spaces", "is not a merchant id"),
        ("blocked_devices", "", "is not a device id"),
    ],
)
def test_an_entry_that_could_never_match_is_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(ListError, match=message):
        Lists().add(name, value)
    with pytest.raises(ListError, match="NaN"):
        Lists().add("blocked_cards", "card-1", expires_at=math.nan)


def test_rules_read_the_lists_in_force(payment) -> None:
    lists = Lists()
    lists.add("blocked_cards", "card-2", expires_at=1_000.0)
    lists.add("watched_countries", "DE")
    rule = compile_condition("card_id in blocked_cards or country in watched_countries")
    rows = np.zeros((3, len(FEATURE_NAMES)), dtype=np.float32)
    payments = [payment("card-1"), payment("card-2"), payment("card-3", "DE")]
    before = rule(Batch.of_rows(rows, payments, lists.snapshot(999.0)))
    after = rule(Batch.of_rows(rows, payments, lists.snapshot(1_000.0)))
    assert before.tolist() == [False, True, True]
    assert after.tolist() == [False, False, True]


def test_every_kind_has_blocked_allowed_and_watched_lists_and_cards_a_compromised_one() -> None:
    assert len(LIST_KINDS) == 13
    assert {"blocked_cards", "allowed_merchants", "watched_devices", "blocked_countries"} <= set(
        LIST_KINDS
    )
    assert LIST_KINDS[COMPROMISED_CARDS] is ListKind.CARD


def test_a_snapshot_is_rebuilt_only_when_an_entry_changes_or_expires() -> None:
    lists = Lists()
    lists.add("blocked_cards", "card-1", expires_at=100.0)
    lists.add("blocked_cards", "card-2", expires_at=200.0)
    first = lists.snapshot(10.0)
    assert lists.snapshot(99.9) is first  # nothing expired: the same sets, no work per batch
    at_100 = lists.snapshot(100.0)
    assert at_100 is not first
    assert at_100["blocked_cards"] == {"card-2"}
    assert lists.snapshot(150.0) is at_100
    lists.add("blocked_cards", "card-3")
    assert lists.snapshot(150.0)["blocked_cards"] == {"card-2", "card-3"}
    lists.remove("blocked_cards", "card-2")
    assert lists.snapshot(150.0)["blocked_cards"] == {"card-3"}
    assert lists.snapshot(10.0)["blocked_cards"] == {"card-1", "card-3"}  # a clock gone back
    assert lists.snapshot(1e12)["blocked_cards"] == {"card-3"}


def test_the_known_compromised_rule_blocks_cards_on_its_list(payment) -> None:
    rules = RuleSet.compile(BASELINE_RULES)
    lists = Lists()
    lists.add(COMPROMISED_CARDS, "card-2", source=Source.POLICY)
    rows = np.zeros((2, len(FEATURE_NAMES)), dtype=np.float32)
    batch = Batch.of_rows(rows, [payment("card-1"), payment("card-2")], lists.snapshot(0.0))
    decided = rules.decide(np.zeros(2, dtype=np.int8), batch)
    assert decided.levels.tolist() == [0, 2]
    assert decided.fired == [[], [KNOWN_COMPROMISED.id]]


def test_changes_apply_to_a_copy_and_leave_the_lists_read_as_they_were() -> None:
    lists = Lists()
    lists.add("blocked_cards", "card-1")
    lists.add("blocked_cards", "card-2", expires_at=100.0)
    before = lists.snapshot(50.0)
    changed = lists.changed([
        EntryChange("blocked_cards", "card-1", None),
        EntryChange("blocked_cards", "card-3", Source.VERDICT, 200.0),
        EntryChange("no_such_list", "x", Source.HAND),
        EntryChange("watched_countries", "not a country", Source.HAND),
    ])  # fmt: skip
    assert lists.snapshot(50.0) == before == {"blocked_cards": {"card-1", "card-2"}}
    assert changed.snapshot(50.0) == {"blocked_cards": {"card-2", "card-3"}}
    assert changed.snapshot(150.0) == {"blocked_cards": {"card-3"}}
    assert [e.source for e in changed.entries("blocked_cards")] == [Source.HAND, Source.VERDICT]
