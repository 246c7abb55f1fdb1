"""Day-by-day simulation of genuine spending, with the fraud scenarios layered on top."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from fraud_simulator.batch import ATM, CONTACTLESS, ONLINE, POS, TxBatch
from fraud_simulator.catalog import CATEGORIES
from fraud_simulator.scenarios import ScenarioRates, inject_fraud
from fraud_simulator.world import IntArray, World

DAY_S = 86_400.0
# Busier towards the weekend, quieter on Sunday (Monday first, as datetime.weekday()).
WEEKDAY_FACTOR = np.array([0.95, 0.95, 1.0, 1.05, 1.15, 1.2, 0.8])
TRAVEL_FACTOR = 1.3  # customers pay more often while away
TRIP_DAYS = (2, 9)  # a trip lasts 2 to 8 days
CONTACTLESS_LIMIT = 100.0
GENUINE_LABEL_DELAY_S = 7 * DAY_S  # no chargeback within a week: the payment counts as genuine
BoolArray = npt.NDArray[np.bool_]
_MEDIAN = np.array([c.median_amount for c in CATEGORIES])
_SIGMA = np.array([c.sigma for c in CATEGORIES])


class Simulator:
    """Generates one day at a time; the state (trips, compromised cards and terminals) carries
    over between days, so the output of ``days(n)`` depends only on the seed and the world."""

    def __init__(
        self,
        world: World,
        seed: int,
        start: dt.datetime,
        rates: ScenarioRates | None = None,
    ) -> None:
        self.world = world
        self.start = start.astimezone(dt.UTC)
        self.rates = rates or ScenarioRates()
        self.rng = np.random.default_rng([seed, 0x51])
        self.day = 0
        n = world.n_customers
        self.trip_place = np.full(n, -1, dtype=np.int64)
        self.trip_end = np.zeros(n, dtype=np.int64)
        self.device_names: list[str] = list(world.device_id)
        # Incidents that last for days: (index, last active day).
        self.compromised_terminals: dict[int, int] = {}
        self.compromised_cards: dict[int, int] = {}

    def new_device(self) -> int:
        """A device the fraudster uses: unseen before, named like every other device."""
        self.device_names.append(f"dev-{int(self.rng.integers(16**10)):010x}")
        return len(self.device_names) - 1

    def days(self, count: int | None = None) -> Iterator[TxBatch]:
        produced = 0
        while count is None or produced < count:
            yield self.next_day()
            produced += 1

    def next_day(self) -> TxBatch:
        genuine = self._genuine_day()
        day = inject_fraud(self, genuine).sorted()
        self.day += 1
        return day

    def current_places(self) -> npt.NDArray[np.int64]:
        return np.where(self.trip_place >= 0, self.trip_place, self.world.home_place)

    def _update_trips(self) -> None:
        w, rng, d = self.world, self.rng, self.day
        self.trip_place[self.trip_end <= d] = -1
        starting = (self.trip_place < 0) & (rng.random(w.n_customers) < w.travel_rate)
        self.trip_place[starting] = rng.choice(w.place_ids, int(starting.sum()))
        self.trip_end[starting] = d + rng.integers(*TRIP_DAYS, int(starting.sum()))

    def _genuine_day(self) -> TxBatch:
        w, rng, d = self.world, self.rng, self.day
        self._update_trips()
        traveling = self.trip_place >= 0
        place_now = self.current_places()
        weekday = (self.start + dt.timedelta(days=d)).weekday()
        rate = w.daily_rate * WEEKDAY_FACTOR[weekday] * np.where(traveling, TRAVEL_FACTOR, 1.0)
        customer = np.repeat(np.arange(w.n_customers), rng.poisson(rate))
        m = len(customer)
        away = traveling[customer]
        where = place_now[customer]

        # Activity follows local solar time (longitude / 15 hours from UTC), not UTC.
        local_hour = rng.normal(w.active_hour[customer], w.hour_spread[customer])
        utc_hour = np.mod(local_hour - w.places.lon[where] / 15.0, 24.0)
        t = d * DAY_S + utc_hour * 3600.0

        online, atm, merchant = self._choose_merchants(customer, away, where)
        local = ~online & ~atm

        category = w.merchant_category[merchant]
        amount = rng.lognormal(
            np.log(_MEDIAN[category] * w.amount_scale[customer]), _SIGMA[category]
        )
        amount = np.where(atm, np.maximum(np.round(amount / 10.0) * 10.0, 20.0), amount)
        amount = np.clip(np.round(amount, 2), 0.5, 25_000.0)

        channel = np.full(m, POS, dtype=np.int64)
        tap = (
            local & (amount <= CONTACTLESS_LIMIT) & (rng.random(m) < w.contactless_share[customer])
        )
        channel[tap] = CONTACTLESS
        channel[online] = ONLINE
        channel[atm] = ATM

        # Card present: the shop's location. Online: wherever the cardholder is at the time.
        lat = np.where(online, w.home_lat[customer], w.merchant_lat[merchant])
        lon = np.where(online, w.home_lon[customer], w.merchant_lon[merchant])
        trip_online = online & away
        lat[trip_online] = w.places.lat[where[trip_online]]
        lon[trip_online] = w.places.lon[where[trip_online]]
        place = np.where(online, where, w.merchant_place[merchant])

        device, card = self._devices_and_cards(customer, channel)

        return TxBatch(
            t=t,
            card=card,
            merchant=merchant,
            amount=amount,
            channel=channel,
            place=place,
            lat=lat,
            lon=lon,
            device=device,
            scenario=np.zeros(m, dtype=np.int64),
            label_delay=GENUINE_LABEL_DELAY_S + rng.random(m) * DAY_S,
        )

    def _choose_merchants(
        self, customer: IntArray, away: BoolArray, where: IntArray
    ) -> tuple[BoolArray, BoolArray, IntArray]:
        """Online, ATM or shop; at home mostly the customer's favourite shops, away any shop."""
        w, rng, m = self.world, self.rng, len(customer)
        online = rng.random(m) < w.online_share[customer]
        atm = ~online & (rng.random(m) < 0.04)
        local = ~online & ~atm
        merchant = np.empty(m, dtype=np.int64)

        favourite_col = np.minimum(rng.geometric(0.15, m) - 1, w.favourite_local.shape[1] - 1)
        use_favourite = local & ~away & (rng.random(m) < 0.85)
        merchant[use_favourite] = w.favourite_local[customer, favourite_col][use_favourite]
        new_shop = local & ~use_favourite
        merchant[new_shop] = w.shop_start[where[new_shop]] + np.floor(
            rng.random(int(new_shop.sum())) * w.shop_count[where[new_shop]]
        ).astype(np.int64)
        merchant[atm] = w.atm_start[where[atm]] + np.floor(
            rng.random(int(atm.sum())) * w.atm_count[where[atm]]
        ).astype(np.int64)
        online_col = np.minimum(rng.geometric(0.3, m) - 1, w.favourite_online.shape[1] - 1)
        online_favourite = online & (rng.random(m) < 0.8)
        merchant[online_favourite] = w.favourite_online[customer, online_col][online_favourite]
        online_new = online & ~online_favourite
        merchant[online_new] = rng.choice(w.online_merchants, int(online_new.sum()))

        return online, atm, merchant

    def _devices_and_cards(
        self, customer: IntArray, channel: IntArray
    ) -> tuple[IntArray, IntArray]:
        w, rng, m = self.world, self.rng, len(customer)
        first_device, n_devices = w.customer_devices[customer, 0], w.customer_devices[customer, 1]
        device = np.full(m, -1, dtype=np.int64)
        own_device = first_device + np.floor(rng.random(m) * n_devices).astype(np.int64)
        wallet = (channel == CONTACTLESS) & (rng.random(m) < 0.3)
        online = channel == ONLINE
        device[online] = own_device[online]
        device[wallet] = first_device[wallet]

        first_card, n_cards = w.customer_cards[customer, 0], w.customer_cards[customer, 1]
        other_card = first_card + np.floor(rng.random(m) * n_cards).astype(np.int64)
        card = np.where(rng.random(m) < 0.8, first_card, other_card)

        return device, card
