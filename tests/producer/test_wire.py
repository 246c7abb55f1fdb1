"""The load generator's encoder writes what the schema's own encoder writes, for every field of
a simulated day's payments, and so does a payment encoded ahead and stamped as it leaves."""

from __future__ import annotations

import datetime as dt
import itertools
import json

from fraud_producer.wire import prepare, stamp, transaction_json
from fraud_simulator.records import iter_events, start_of_day
from fraud_simulator.simulator import Simulator
from fraud_simulator.world import WorldSize, build_world
from fraudcore.schemas import Channel, Transaction


def test_the_fast_encoding_is_the_schemas_encoding() -> None:
    world = build_world(3, WorldSize(customers=300))
    sim = Simulator(world, 3, start_of_day(dt.date(2026, 11, 28)))
    batch = sim.next_day()
    at = dt.datetime(2026, 11, 28, 13, 45, 12, 500, tzinfo=dt.UTC)
    checked = 0
    for fields, _, _ in itertools.islice(iter_events(sim, batch, "tx-w", 0), 2_000):
        fast = transaction_json(fields, at)
        model = Transaction.model_construct(
            schema_version=1, event_time=at, **{**fields, "channel": Channel(fields["channel"])}
        )
        assert json.loads(fast) == json.loads(model.model_dump_json())
        assert Transaction.from_json(fast) == Transaction.from_json(model.to_json())
        checked += 1
    assert checked == min(2_000, len(batch)) > 100


def test_a_payment_prepared_ahead_is_the_same_bytes_once_stamped() -> None:
    world = build_world(4, WorldSize(customers=300))
    sim = Simulator(world, 4, start_of_day(dt.date(2026, 12, 2)))
    at = dt.datetime(2026, 12, 2, 9, 0, 1, 250, tzinfo=dt.UTC)
    events = list(itertools.islice(iter_events(sim, sim.next_day(), "tx-p", 0), 2_000))
    assert len(events) > 100
    for fields, scenario, _ in events:
        prepared = prepare(fields, scenario)
        assert prepared.value(stamp(at)) == transaction_json(fields, at)
        assert prepared.key == str(fields["card_id"]).encode()
        assert (prepared.transaction_id, prepared.scenario) == (fields["transaction_id"], scenario)
        assert prepared.fields() == fields
