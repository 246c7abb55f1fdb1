"""Card and merchant state through the one Redis layout, against a real Redis."""

import pytest

from fraudcore.feature_store import FeatureStore
from fraudcore.features import CardState, MerchantState, features_and_update
from fraudcore.features.definitions import Payment
from fraudcore.redis_client import connect
from fraudcore.redis_keys import RedisKeys

pytestmark = pytest.mark.integration
DAY = 86_400


def payment(t: float, amount: float = 12.5) -> Payment:
    return Payment(t, amount, "pos", 5812, "FR", 48.85, 2.35, merchant=17, device=-1)


@pytest.fixture
def store(redis_settings) -> FeatureStore:
    return FeatureStore(connect(redis_settings), RedisKeys(redis_settings.redis_key_prefix), 3_600)


def test_written_state_loads_back_equal_and_unknown_ids_load_empty(store) -> None:
    card, merchant = CardState(), MerchantState()
    for day in range(3):
        features_and_update(payment(1_780_000_000 + day * DAY), card, merchant)
    store.write({"card-1": card}, {"merch-1": merchant})

    cards, merchants = store.load(["card-1", "card-2", "card-1"], ["merch-1", "merch-2"])

    assert cards == {"card-1": card, "card-2": CardState()}
    assert merchants["merch-1"].buckets == merchant.buckets
    assert merchants["merch-2"].buckets == {}
    assert merchant.increments == {}
    assert merchant.expired == set()
    assert 0 < store.client.ttl(store.keys.card("card-1")) <= 3_600
    assert 0 < store.client.ttl(store.keys.merchant("merch-1")) <= 3_600


def test_merchant_counters_add_up_across_writers_and_expired_buckets_go(store) -> None:
    first, second = MerchantState(), MerchantState()  # two consumers, neither sees the other
    first.add("d100", 2)
    second.add("d100", 3)
    store.write({}, {"m": first})
    store.write({}, {"m": second})
    (_, loaded) = store.load([], ["m"])
    assert loaded["m"].buckets == {"d100": 5}

    later = loaded["m"]
    later.add("d140")  # a new day: buckets no 30-day window reads any more are dropped
    store.write({}, {"m": later})
    assert store.load([], ["m"])[1]["m"].buckets == {"d140": 1}


def test_a_read_only_store_refuses_to_write(redis_settings) -> None:
    reader = FeatureStore(connect(redis_settings), RedisKeys(redis_settings.redis_key_prefix))
    with pytest.raises(ValueError, match="read-only"):
        reader.write({"card-1": CardState()}, {})
    assert reader.load(["card-1"], []) == ({"card-1": CardState()}, {})
