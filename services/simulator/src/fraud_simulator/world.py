"""The simulated payments world: places, merchants, customers, their cards and devices.

Everything is drawn from one seeded generator in a fixed order, so the same seed and sizes give
the same world. Arrays are columnar (one numpy array per attribute) so a day of transactions is
generated with vector operations rather than a Python loop per payment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from faker import Faker

from fraud_simulator.catalog import CATEGORIES, Kind, Places, load_places

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjArray = npt.NDArray[np.object_]

LOCAL_CATEGORIES = np.array([i for i, c in enumerate(CATEGORIES) if c.kind is Kind.LOCAL])
ONLINE_CATEGORIES = np.array([i for i, c in enumerate(CATEGORIES) if c.kind is Kind.ONLINE])
ATM_CATEGORY = next(i for i, c in enumerate(CATEGORIES) if c.kind is Kind.ATM)
_NAME_WORDS = {
    "5411": "Market", "5812": "Bistro", "5814": "Burgers", "5541": "Fuel", "5912": "Pharmacy",
    "5311": "Department Store", "5651": "Clothing", "5732": "Electronics", "5944": "Jewellers",
    "5947": "Gifts", "5977": "Beauty", "5942": "Books", "4111": "Transit", "4121": "Cabs",
    "7011": "Hotel", "7832": "Cinema", "4511": "Airways", "5999": "Shop Online", "5815": "Media",
    "5816": "Games", "4899": "Stream", "7995": "Bet", "6051": "Coin Exchange", "6011": "ATM",
}  # fmt: skip


@dataclass(frozen=True)
class WorldSize:
    customers: int = 10_000
    places: int = 150
    local_merchants_per_place: int = 32
    atms_per_place: int = 3
    online_merchants: int = 400
    favourite_local: int = 20
    favourite_online: int = 8


@dataclass(frozen=True)
class World:
    places: Places
    place_ids: IntArray  # indices into places used by this world

    merchant_id: ObjArray
    merchant_name: ObjArray
    merchant_category: IntArray  # index into CATEGORIES
    merchant_place: IntArray  # index into places
    merchant_lat: FloatArray
    merchant_lon: FloatArray
    # Local merchants are stored place by place: a place's shops are one contiguous index range,
    # followed by its ATMs, so "a random shop at place p" is start[p] + randint(count[p]).
    shop_start: IntArray  # indexed by place
    shop_count: IntArray
    atm_start: IntArray
    atm_count: IntArray
    online_merchants: IntArray

    customer_id: ObjArray
    home_place: IntArray
    home_lat: FloatArray
    home_lon: FloatArray
    daily_rate: FloatArray  # mean transactions per day
    amount_scale: FloatArray  # multiplies category medians
    active_hour: FloatArray  # centre of daily activity, hours
    hour_spread: FloatArray
    online_share: FloatArray
    contactless_share: FloatArray
    travel_rate: FloatArray  # trips started per day
    favourite_local: IntArray  # (customers, k) merchant indices
    favourite_online: IntArray

    card_id: ObjArray
    card_customer: IntArray
    customer_cards: IntArray  # (customers, 2): first card, number of cards

    device_id: ObjArray
    customer_devices: IntArray  # (customers, 2): first device, number of devices

    @property
    def n_customers(self) -> int:
        return len(self.customer_id)

    @property
    def n_cards(self) -> int:
        return len(self.card_id)


def _hex_ids(rng: np.random.Generator, prefix: str, count: int) -> ObjArray:
    # Random, not sequential, so no id range can hint at fraud or at anything else.
    values = rng.choice(16**10, size=count, replace=False)
    return np.array([f"{prefix}-{value:010x}" for value in values], dtype=object)


def _place_merchants(
    rng: np.random.Generator, place_ids: IntArray, size: WorldSize
) -> tuple[IntArray, IntArray]:
    """Local merchants per place: one of every category, the rest by popularity."""
    popularity = np.array([CATEGORIES[i].popularity for i in LOCAL_CATEGORIES])
    extra = size.local_merchants_per_place - len(LOCAL_CATEGORIES)
    categories, places = [], []
    for place in place_ids:
        chosen = np.concatenate(
            [LOCAL_CATEGORIES, rng.choice(LOCAL_CATEGORIES, extra, p=popularity / popularity.sum())]
        )
        atms = np.full(size.atms_per_place, ATM_CATEGORY)
        categories.append(np.concatenate([chosen, atms]))
        places.append(np.full(len(chosen) + len(atms), place))
    return np.concatenate(categories), np.concatenate(places)


def _place_ranges(
    n_places: int, place_ids: IntArray, local_place: IntArray, is_atm: npt.NDArray[np.bool_]
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    shop_start, shop_count = np.zeros(n_places, np.int64), np.zeros(n_places, np.int64)
    atm_start, atm_count = np.zeros(n_places, np.int64), np.zeros(n_places, np.int64)
    for place in place_ids:
        shops = np.flatnonzero((local_place == place) & ~is_atm)
        atms = np.flatnonzero((local_place == place) & is_atm)
        shop_start[place], shop_count[place] = shops[0], len(shops)
        atm_start[place], atm_count[place] = atms[0], len(atms)
    return shop_start, shop_count, atm_start, atm_count


def build_world(seed: int, size: WorldSize | None = None) -> World:
    size = size or WorldSize()
    rng = np.random.default_rng(seed)
    fake = Faker()
    fake.seed_instance(seed)
    places = load_places()
    place_ids = np.sort(rng.choice(len(places), size=min(size.places, len(places)), replace=False))

    local_category, local_place = _place_merchants(rng, place_ids, size)
    online_category = rng.choice(
        ONLINE_CATEGORIES,
        size.online_merchants,
        p=(w := np.array([CATEGORIES[i].popularity for i in ONLINE_CATEGORIES])) / w.sum(),
    )
    online_place = rng.choice(place_ids, size.online_merchants)
    merchant_category = np.concatenate([local_category, online_category])
    merchant_place = np.concatenate([local_place, online_place])
    n_merchants = len(merchant_category)
    jitter = rng.normal(0.0, 0.03, size=(n_merchants, 2))
    merchant_lat = np.clip(places.lat[merchant_place] + jitter[:, 0], -89.9, 89.9)
    merchant_lon = np.clip(places.lon[merchant_place] + jitter[:, 1], -179.9, 179.9)
    names = [
        f"{fake.last_name()} {_NAME_WORDS[CATEGORIES[c].mcc]}"
        if CATEGORIES[c].kind is not Kind.ATM
        else f"{fake.company().split(',')[0]} ATM"
        for c in merchant_category
    ]
    shop_start, shop_count, atm_start, atm_count = _place_ranges(
        len(places), place_ids, local_place, local_category == ATM_CATEGORY
    )
    online_merchants = np.arange(len(local_category), n_merchants)

    n = size.customers
    home_place = rng.choice(place_ids, n)
    home_jitter = rng.normal(0.0, 0.06, size=(n, 2))
    home_lat = np.clip(places.lat[home_place] + home_jitter[:, 0], -89.9, 89.9)
    home_lon = np.clip(places.lon[home_place] + home_jitter[:, 1], -179.9, 179.9)

    favourite_local = np.empty((n, size.favourite_local), dtype=np.int64)
    for place in place_ids:
        members = np.flatnonzero(home_place == place)
        picks = rng.integers(0, shop_count[place], (len(members), size.favourite_local))
        favourite_local[members] = shop_start[place] + picks
    favourite_online = rng.choice(online_merchants, (n, size.favourite_online))

    cards_per_customer = np.minimum(1 + rng.poisson(0.4, n), 3)
    card_customer = np.repeat(np.arange(n), cards_per_customer)
    first_card = np.concatenate([[0], np.cumsum(cards_per_customer)[:-1]])
    devices_per_customer = np.minimum(1 + rng.poisson(0.5, n), 3)
    first_device = np.concatenate([[0], np.cumsum(devices_per_customer)[:-1]])

    return World(
        places=places,
        place_ids=place_ids,
        merchant_id=_hex_ids(rng, "merch", n_merchants),
        merchant_name=np.array(names, dtype=object),
        merchant_category=merchant_category,
        merchant_place=merchant_place,
        merchant_lat=merchant_lat,
        merchant_lon=merchant_lon,
        shop_start=shop_start,
        shop_count=shop_count,
        atm_start=atm_start,
        atm_count=atm_count,
        online_merchants=online_merchants,
        customer_id=_hex_ids(rng, "cust", n),
        home_place=home_place,
        home_lat=home_lat,
        home_lon=home_lon,
        daily_rate=rng.lognormal(np.log(2.0), 0.6, n).clip(0.2, 12.0),
        amount_scale=rng.lognormal(0.0, 0.35, n),
        active_hour=rng.normal(14.0, 2.5, n),
        hour_spread=rng.uniform(2.0, 5.0, n),
        online_share=rng.beta(2.0, 6.0, n),
        contactless_share=rng.beta(4.0, 3.0, n),
        travel_rate=np.where(rng.random(n) < 0.4, rng.uniform(1 / 90, 1 / 20, n), 0.0),
        favourite_local=favourite_local,
        favourite_online=favourite_online,
        card_id=_hex_ids(rng, "card", int(cards_per_customer.sum())),
        card_customer=card_customer,
        customer_cards=np.stack([first_card, cards_per_customer], axis=1),
        device_id=_hex_ids(rng, "dev", int(devices_per_customer.sum())),
        customer_devices=np.stack([first_device, devices_per_customer], axis=1),
    )
