"""The five fraud scenarios, each layered onto a day of genuine spending.

Every scenario was shaped so that no single raw field gives it away: card testing hides among
genuine small digital purchases, takeovers among genuine travel and big tickets, skimmed
terminals look exactly like genuine traffic, inflated amounts stay within genuine ranges for
expensive categories, and category anomalies use categories other cardholders use every day.
What separates them is history: velocity, a new device or country, distance and speed, the
card's usual amount and categories, and terminals' delayed fraud labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Protocol

import numpy as np
import numpy.typing as npt

from fraud_simulator.batch import ONLINE, POS, TxBatch
from fraud_simulator.catalog import (
    ACCOUNT_TAKEOVER,
    CARD_TESTING,
    CATEGORIES,
    CATEGORY_ANOMALY,
    INFLATED_AMOUNTS,
    SCENARIOS,
    SKIMMING,
    Kind,
)
from fraud_simulator.world import World

DAY_S = 86_400.0
CODE = {name: index + 1 for index, name in enumerate(SCENARIOS)}
_MCC_INDEX = {category.mcc: index for index, category in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class ScenarioRates:
    """New incidents per day per 10,000 cards (terminals: per 1,000 shops); 0 turns one off.
    The defaults give an overall fraud rate of about 1% of transactions."""

    card_testing: float = 4.5
    account_takeover: float = 8.0
    compromised_terminal: float = 0.35
    inflated_amounts: float = 4.0
    category_anomaly: float = 12.0

    def scaled(self, factor: float) -> ScenarioRates:
        return ScenarioRates(**{f.name: getattr(self, f.name) * factor for f in fields(self)})


class Simulation(Protocol):
    """What a scenario reads and advances of the simulation it is layered onto (the simulator
    satisfies it; naming it here keeps the scenarios from importing the simulator back)."""

    world: World
    rng: np.random.Generator
    rates: ScenarioRates
    day: int
    compromised_terminals: dict[int, int]  # terminal index -> last active day
    compromised_cards: dict[int, int]  # card index -> last active day

    def new_device(self) -> int: ...


def _fraud_label_delay(rng: np.random.Generator, n: int) -> npt.NDArray[np.float64]:
    # Chargebacks: at least an hour, typically a few days, sometimes weeks.
    return 3600.0 + rng.gamma(2.0, 2.0 * DAY_S, n)


def _merchants_of(sim: Simulation, mccs: tuple[str, ...]) -> npt.NDArray[np.int64]:
    wanted = np.array([_MCC_INDEX[mcc] for mcc in mccs])
    return sim.world.online_merchants[
        np.isin(sim.world.merchant_category[sim.world.online_merchants], wanted)
    ]


def _shops_of(sim: Simulation, place: int, mccs: tuple[str, ...]) -> npt.NDArray[np.int64]:
    w = sim.world
    shops = np.arange(w.shop_start[place], w.shop_start[place] + w.shop_count[place])
    wanted = np.array([_MCC_INDEX[mcc] for mcc in mccs])
    matching = shops[np.isin(w.merchant_category[shops], wanted)]
    return matching if len(matching) else shops


def _incidents(sim: Simulation, per_10k_cards: float) -> int:
    return int(sim.rng.poisson(per_10k_cards * sim.world.n_cards / 10_000))


@dataclass
class _Rows:
    """Fraudulent payments collected one by one (few per day), then turned into columns."""

    t: list[float] = field(default_factory=list)
    card: list[int] = field(default_factory=list)
    merchant: list[int] = field(default_factory=list)
    amount: list[float] = field(default_factory=list)
    channel: list[int] = field(default_factory=list)
    place: list[int] = field(default_factory=list)
    device: list[int] = field(default_factory=list)

    def add(self, t: float, card: int, merchant: int, amount: float, *, channel: int, place: int,
            device: int) -> None:  # fmt: skip
        self.t.append(float(t))
        self.card.append(card)
        self.merchant.append(merchant)
        self.amount.append(float(amount))
        self.channel.append(channel)
        self.place.append(place)
        self.device.append(device)

    def batch(self, sim: Simulation, scenario: str) -> TxBatch:
        w = sim.world
        merchants = np.array(self.merchant, dtype=np.int64)
        places = np.array(self.place, dtype=np.int64)
        online = np.array(self.channel, dtype=np.int64) == ONLINE
        jitter = sim.rng.normal(0.0, 0.05, (len(self.t), 2))
        lat = np.where(online, w.places.lat[places] + jitter[:, 0], w.merchant_lat[merchants])
        lon = np.where(online, w.places.lon[places] + jitter[:, 1], w.merchant_lon[merchants])
        return TxBatch(
            t=np.minimum(np.array(self.t, dtype=np.float64), (sim.day + 1) * DAY_S - 1e-3),
            card=np.array(self.card, dtype=np.int64),
            merchant=merchants,
            amount=np.clip(np.round(np.array(self.amount, dtype=np.float64), 2), 0.5, 25_000.0),
            channel=np.array(self.channel, dtype=np.int64),
            place=np.where(online, places, w.merchant_place[merchants]),
            lat=np.clip(lat, -89.9, 89.9),
            lon=np.clip(lon, -179.9, 179.9),
            device=np.array(self.device, dtype=np.int64),
            scenario=np.full(len(self.t), CODE[scenario], dtype=np.int64),
            label_delay=_fraud_label_delay(sim.rng, len(self.t)),
        )


def card_testing(sim: Simulation) -> TxBatch:
    """A stolen card number is checked with a burst of tiny online payments at unfamiliar digital
    merchants from an unknown device, sometimes followed by a real purchase."""
    rng, rows = sim.rng, _Rows()
    tiny = _merchants_of(sim, ("5815", "5816", "5999"))
    cash_out = _merchants_of(sim, ("5999", "4511", "6051"))
    for _ in range(_incidents(sim, sim.rates.card_testing)):
        card = int(rng.integers(sim.world.n_cards))
        place, device = int(rng.choice(sim.world.place_ids)), sim.new_device()
        n = int(rng.integers(3, 13))
        times = sim.day * DAY_S + rng.uniform(0, DAY_S - 7200) + np.cumsum(rng.exponential(45.0, n))
        amounts = list(rng.uniform(0.5, 6.0, n))
        merchants = list(rng.choice(tiny, n))
        if rng.random() < 0.5:
            times = np.append(times, times[-1] + rng.uniform(120, 3600))
            amounts.append(float(rng.lognormal(np.log(220.0), 0.6)))
            merchants.append(int(rng.choice(cash_out)))
        for time, merchant, amount in zip(times, merchants, amounts, strict=True):
            rows.add(time, card, int(merchant), amount, channel=ONLINE, place=place, device=device)
    return rows.batch(sim, CARD_TESTING)


def account_takeover(sim: Simulation) -> TxBatch:
    """A fraudster with the card's details spends fast, from somewhere else (usually another
    country, so the card seems to jump across the map) on a new device or a cloned card."""
    rng, w, rows = sim.rng, sim.world, _Rows()
    online_targets = _merchants_of(sim, ("5999", "4511", "6051", "7995", "5816"))
    countries = w.places.country[w.place_ids]
    for _ in range(_incidents(sim, sim.rates.account_takeover)):
        card = int(rng.integers(w.n_cards))
        home_country = w.places.country[w.home_place[w.card_customer[card]]]
        abroad = w.place_ids[countries != home_country]
        place = int(rng.choice(abroad if rng.random() < 0.8 else w.place_ids))
        device = sim.new_device()
        n = int(rng.integers(2, 7))
        times = (
            sim.day * DAY_S
            + rng.uniform(0, DAY_S - 6 * 3600)
            + np.sort(rng.uniform(0, rng.uniform(1, 6) * 3600, n))
        )
        for time in times:
            cloned_card = rng.random() < 0.3
            if cloned_card:
                merchant = int(rng.choice(_shops_of(sim, place, ("5732", "5944", "5311", "5651"))))
            else:
                merchant = int(rng.choice(online_targets))
            median = max(CATEGORIES[w.merchant_category[merchant]].median_amount, 80.0) * 1.8
            rows.add(
                time, card, merchant, rng.lognormal(np.log(median), 0.7),
                channel=POS if cloned_card else ONLINE, place=place,
                device=-1 if cloned_card else device,
            )  # fmt: skip
    return rows.batch(sim, ACCOUNT_TAKEOVER)


def category_anomaly(sim: Simulation) -> TxBatch:
    """Someone close to the cardholder (same city, sometimes the same device) buys in categories
    this card never uses, for more than such purchases usually cost."""
    rng, w, rows = sim.rng, sim.world, _Rows()
    anomaly_mccs = ("5944", "5732", "6051", "7995", "5947", "5311", "5651", "4511", "7011", "5977")
    for _ in range(_incidents(sim, sim.rates.category_anomaly)):
        card = int(rng.integers(w.n_cards))
        customer = int(w.card_customer[card])
        usual = set(w.merchant_category[w.favourite_local[customer]].tolist())
        usual |= set(w.merchant_category[w.favourite_online[customer]].tolist())
        candidates = [mcc for mcc in anomaly_mccs if _MCC_INDEX[mcc] not in usual] or list(
            anomaly_mccs
        )
        mcc = str(rng.choice(candidates))
        category = CATEGORIES[_MCC_INDEX[mcc]]
        home = int(w.home_place[customer])
        n = int(rng.integers(1, 4))
        times = (
            sim.day * DAY_S
            + rng.uniform(6 * 3600, DAY_S - 3 * 3600)
            + np.sort(rng.uniform(0, 3 * 3600, n))
        )
        for time in times:
            online = category.kind is Kind.ONLINE
            pool = _merchants_of(sim, (mcc,)) if online else _shops_of(sim, home, (mcc,))
            rows.add(
                time, card, int(rng.choice(pool)),
                rng.lognormal(np.log(category.median_amount * 2.2), 0.5),
                channel=ONLINE if online else POS, place=home,
                device=int(w.customer_devices[customer, 0]) if online else -1,
            )  # fmt: skip
    return rows.batch(sim, CATEGORY_ANOMALY)


def _expire(incidents: dict[int, int], day: int) -> None:
    for key in [key for key, last in incidents.items() if last < day]:
        del incidents[key]


def compromised_terminals(sim: Simulation, day: TxBatch) -> TxBatch:
    """A skimmed terminal: for weeks, most payments at it are fraud, though each looks genuine."""
    rng, w = sim.rng, sim.world
    _expire(sim.compromised_terminals, sim.day)
    shops = np.flatnonzero(w.merchant_category != _MCC_INDEX["6011"])
    shops = shops[~np.isin(shops, w.online_merchants)]
    for shop in rng.choice(shops, rng.poisson(sim.rates.compromised_terminal * len(shops) / 1000)):
        sim.compromised_terminals[int(shop)] = sim.day + int(rng.integers(14, 36))
    hit = np.isin(day.merchant, np.fromiter(sim.compromised_terminals, dtype=np.int64))
    hit &= (rng.random(len(day)) < 0.75) & ~day.is_fraud
    return _relabel(sim, day, hit, SKIMMING)


def inflated_amounts(sim: Simulation, day: TxBatch) -> TxBatch:
    """A compromised card: for two weeks, a third of its payments are inflated several times."""
    rng, w = sim.rng, sim.world
    _expire(sim.compromised_cards, sim.day)
    for card in rng.integers(0, w.n_cards, _incidents(sim, sim.rates.inflated_amounts)):
        sim.compromised_cards[int(card)] = sim.day + 13
    hit = np.isin(day.card, np.fromiter(sim.compromised_cards, dtype=np.int64))
    hit &= (rng.random(len(day)) < 1 / 3) & ~day.is_fraud
    amount = day.amount.copy()
    amount[hit] = np.round(amount[hit] * rng.uniform(2.5, 6.0, int(hit.sum())), 2)
    return _relabel(
        sim, day.with_columns(amount=np.minimum(amount, 25_000.0)), hit, INFLATED_AMOUNTS
    )


def _relabel(sim: Simulation, day: TxBatch, hit: npt.NDArray[np.bool_], scenario: str) -> TxBatch:
    scenarios = day.scenario.copy()
    scenarios[hit] = CODE[scenario]
    delays = day.label_delay.copy()
    delays[hit] = _fraud_label_delay(sim.rng, int(hit.sum()))
    return day.with_columns(scenario=scenarios, label_delay=delays)


def inject_fraud(sim: Simulation, genuine: TxBatch) -> TxBatch:
    """The day's genuine payments with fraud layered on, in a fixed order (reproducibility)."""
    day = compromised_terminals(sim, genuine)
    day = inflated_amounts(sim, day)
    return TxBatch.concat([day, card_testing(sim), account_takeover(sim), category_anomaly(sim)])
