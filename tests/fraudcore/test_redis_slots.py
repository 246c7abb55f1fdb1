"""Hash slots as Redis Cluster computes them, and how a batch's keys are grouped by slot."""

import random
import string

import pytest
import redis

from fraudcore import redis_slots
from fraudcore.feature_store import FeatureStore
from fraudcore.redis_keys import RedisKeys
from fraudcore.redis_scripts import ScriptArgs
from fraudcore.redis_slots import by_slot, slot_of

KEYS = RedisKeys("fraud:")


def ids(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "_.:-"  # what an Identifier may hold
    return ["".join(rng.choices(alphabet, k=rng.randint(1, 24))) for _ in range(count)]


def test_slots_are_the_clusters() -> None:
    # CLUSTER KEYSLOT answers of a real server: the specification's examples.
    assert slot_of("foo") == 12182
    assert slot_of("bar") == 5061
    assert slot_of("{user1000}.following") == slot_of("{user1000}.followers") == slot_of("user1000")
    assert slot_of("foo{}{bar}") != slot_of("bar")  # an empty tag: the whole key counts


def test_what_one_script_writes_together_shares_a_slot() -> None:
    for card_id, merchant_id, tx_id in zip(ids(300, 1), ids(300, 2), ids(300, 3), strict=True):
        card = slot_of(KEYS.card(card_id))
        assert slot_of(KEYS.transaction(card_id, tx_id)) == card
        merchant = slot_of(KEYS.merchant(merchant_id))
        assert slot_of(KEYS.label(merchant_id, tx_id)) == merchant
        assert slot_of(KEYS.applied(KEYS.merchant(merchant_id))) == merchant
    live = {KEYS.recent, KEYS.alerts, KEYS.stats, KEYS.model, KEYS.warm_start, KEYS.latency(7)}
    assert {slot_of(key) for key in live | {KEYS.applied(KEYS.stats)}} == {slot_of(KEYS.stats)}
    # Cards and merchants spread over the slots rather than piling on a few.
    assert len({slot_of(KEYS.card(c)) for c in ids(1_000, 4)}) > 950


def test_marker_keys_name_their_transaction_and_match_the_scan_pattern() -> None:
    key = KEYS.transaction("card-1", "tx-2026:11.a")
    assert RedisKeys.transaction_id(key) == "tx-2026:11.a"
    assert RedisKeys.transaction_id(key.encode()) == "tx-2026:11.a"
    assert KEYS.transaction_pattern("tx-2026*") == "fraud:tx:{*}:tx-2026*"


def test_a_prefix_with_braces_is_refused() -> None:
    with pytest.raises(ValueError, match="braces"):
        RedisKeys("fraud:{a}:")


def test_by_slot_keeps_each_groups_order_and_loses_nothing() -> None:
    cards = ids(500, 5)
    groups = by_slot(cards, KEYS.card)
    assert sorted(c for group in groups.values() for c in group) == sorted(cards)
    for slot, group in groups.items():
        assert all(slot_of(KEYS.card(c)) == slot for c in group)
        assert group == [c for c in cards if slot_of(KEYS.card(c)) == slot]


def test_a_cluster_store_groups_a_batch_by_slot_and_a_single_one_keeps_it_whole() -> None:
    client = redis.Redis(port=1)  # never connected: grouping is computed here
    store = FeatureStore(client, KEYS)
    cards, merchants = ["c1", "c2", "c1"], ["m1", "m2", "m3"]
    markers = [KEYS.transaction(c, t) for c, t in zip(cards, ["t1", "t2", "t3"], strict=True)]

    (whole,) = store.groups(cards, merchants, markers)
    assert (whole.cards, whole.merchants, whole.extra) == (["c1", "c2"], merchants, [0, 1, 2])

    store.cluster = True
    groups = store.groups(cards, merchants, markers)
    assert sorted(c for g in groups for c in g.cards) == ["c1", "c2"]
    assert sorted(m for g in groups for m in g.merchants) == merchants
    assert sorted(i for g in groups for i in g.extra) == [0, 1, 2]
    for group in groups:
        slots = {slot_of(KEYS.card(c)) for c in group.cards}
        slots |= {slot_of(KEYS.merchant(m)) for m in group.merchants}
        slots |= {slot_of(markers[i]) for i in group.extra}
        assert len(slots) == 1  # one script call may touch one slot only
        assert {cards[i] for i in group.extra} <= set(group.cards)  # markers with their card


def test_two_steps_resend_only_what_failed_and_build_the_second_once(monkeypatch) -> None:
    """The resend logic alone (the cluster tests run it against real nodes)."""
    sent: list[list[str]] = []
    failing = {"a2", "b1"}

    def run_calls(client, calls):
        names = [call.script for call in calls]
        sent.append(names)
        replies = [ConnectionError(n) if n in failing else f"ok-{n}" for n in names]
        failing.difference_update(names)  # each fails once
        return replies

    monkeypatch.setattr(redis_slots, "run_calls", run_calls)
    built: list[list[str]] = []

    def then(replies):
        built.append(replies)
        return [redis_slots.Call("b1", ScriptArgs()), redis_slots.Call("b2", ScriptArgs())]

    steps = redis_slots.TwoSteps([redis_slots.Call(n, ScriptArgs()) for n in ("a1", "a2")], then)
    with pytest.raises(ConnectionError):
        steps.send(None)
    with pytest.raises(ConnectionError):
        steps.send(None)
    assert steps.send(None) == ["ok-b1", "ok-b2"]
    assert sent == [["a1", "a2"], ["a2"], ["b1", "b2"], ["b1"]]
    assert built == [["ok-a1", "ok-a2"]]
