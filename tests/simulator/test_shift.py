"""A shifted world: the chosen customers' genuine payments after the shift cost ``factor`` times
as much, nothing else changes, the same seed shifts the same customers, and a batch the shift
does not reach is returned as it was."""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from fraud_simulator.batch import ATM, CONTACTLESS, TxBatch
from fraud_simulator.dataset import DEFAULT_START
from fraud_simulator.records import start_of_day
from fraud_simulator.shift import WorldShift
from fraud_simulator.simulator import CONTACTLESS_LIMIT, DAY_S, Simulator
from fraud_simulator.world import World, WorldSize, build_world

SEED = 5


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(SEED, WorldSize(customers=600))


@pytest.fixture(scope="module")
def day(world: World) -> TxBatch:
    sim = Simulator(world, SEED, start_of_day(DEFAULT_START))
    for _ in range(3):  # incidents under way: the day holds fraud too
        sim.next_day()
    batch = sim.next_day()
    assert batch.is_fraud.any()
    return batch


def test_after_the_shift_the_chosen_customers_genuine_payments_cost_more(
    world: World, day: TxBatch
) -> None:
    start = float(day.t[len(day) // 2])
    shift = WorldShift("spending", start, SEED, share=0.5, factor=3.0)
    shifted = shift.apply(day, world)
    chosen = shift.customers(world)[world.card_customer[day.card]]
    changed = (day.t >= start) & chosen & ~day.is_fraud
    assert 0.3 < shift.customers(world).mean() < 0.7
    assert changed.sum() > 100
    same = ~changed
    assert np.array_equal(shifted.amount[same], day.amount[same])
    ratio = shifted.amount[changed] / day.amount[changed]
    not_atm = day.channel[changed] != ATM
    assert np.allclose(ratio[not_atm], 3.0, rtol=0.01, atol=0.01 / day.amount[changed][not_atm])
    assert np.all(shifted.amount[changed][~not_atm] % 10 == 0)  # cash stays in tens
    assert not np.any((shifted.channel == CONTACTLESS) & (shifted.amount > CONTACTLESS_LIMIT))
    for column in ("t", "card", "merchant", "place", "lat", "lon", "device", "scenario"):
        assert np.array_equal(getattr(shifted, column), getattr(day, column)), column


def test_the_same_seed_shifts_the_same_customers_another_seed_others(world: World) -> None:
    one = WorldShift("spending", 0.0, SEED).customers(world)
    assert np.array_equal(one, WorldShift("spending", 0.0, SEED).customers(world))
    assert not np.array_equal(one, WorldShift("spending", 0.0, SEED + 1).customers(world))


def test_a_batch_before_the_shift_is_the_batch_itself(world: World, day: TxBatch) -> None:
    later = WorldShift("spending", float(day.t.max()) + 1.0, SEED)
    assert later.apply(day, world) is day


def test_the_world_before_and_without_a_shift_is_byte_for_byte_the_simulators(
    world: World,
) -> None:
    start = start_of_day(DEFAULT_START)
    plain = list(Simulator(world, SEED, start).days(4))
    shift = WorldShift("spending", 3 * DAY_S, SEED)
    sim = Simulator(world, SEED, start)
    shifted = [shift.apply(batch, world) for batch in sim.days(4)]
    for before, after in zip(plain[:3], shifted[:3], strict=True):
        for field in dataclasses.fields(TxBatch):
            assert getattr(before, field.name).tobytes() == getattr(after, field.name).tobytes()
    assert not np.array_equal(plain[3].amount, shifted[3].amount)
    assert sim.start == start.astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("share", "factor", "start"), [(0.0, 2.0, 0.0), (1.5, 2.0, 0.0), (0.5, 1.0, 0.0),
                                   (0.5, -2.0, 0.0), (0.5, 2.0, -1.0)],
)  # fmt: skip
def test_a_shift_that_changes_nothing_or_makes_no_sense_is_refused(
    share: float, factor: float, start: float
) -> None:
    with pytest.raises(ValueError, match=r"shift|factor"):
        WorldShift("spending", start, SEED, share=share, factor=factor)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shift"):
        WorldShift("campaign", 0.0, SEED)  # type: ignore[arg-type]
