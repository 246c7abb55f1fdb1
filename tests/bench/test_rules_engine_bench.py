"""The rules engine's microbenchmark measures the set compiled whole and its rules one at a
time on the same world, and both decide alike."""

import numpy as np

from fraud_bench.rules_engine_bench import measure, one_at_a_time, table
from fraud_rules.bench import rule_set, world
from fraudcore.rules import Batch


def test_both_ways_decide_alike_and_are_measured() -> None:
    rules = rule_set(20)
    alone = one_at_a_time(rules)
    assert all(rule.tree is None for rule in alone.active)
    data = world(days=1, customers=100)
    model = np.zeros(64, np.int8)

    def batch() -> Batch:
        return Batch.of_rows(data.rows[:64], data.payments[:64], data.lists)

    whole, each = rules.decide(model, batch()), alone.decide(model, batch())
    assert (whole.levels.tolist(), whole.fired) == (each.levels.tolist(), each.fired)
    result = measure((0, 10), batch=16, repeats=1, days=1)
    assert set(result["cpu_us_per_payment"]) == {"set", "one_at_a_time"}
    assert all(v > 0 for way in result["cpu_us_per_payment"].values() for v in way.values())
    assert "| 10 |" in table(result)
