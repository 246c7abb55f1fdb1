"""The benchmark runs the engine over a simulated world at each size (`fraud-rules bench`)."""

import numpy as np

from fraud_rules.bench import rule_set, table, us_per_payment, world
from fraudcore.rules import Batch


def test_the_benchmark_decides_a_world_with_generated_rules() -> None:
    data = world(days=1, customers=60)
    rules = rule_set(12)
    assert len(rules.active) == 12
    assert {"R01-IMPOSSIBLE-TRAVEL", "R04-RISKY-TERMINAL"} <= {rule.id for rule in rules.active}
    figures = {12: {b: us_per_payment(rules, data, b, repeats=1) for b in (1, 16)}}
    assert all(value >= 0 for value in figures[12].values())
    assert table(figures).splitlines()[2].startswith("| 12 | ")


def test_the_generated_rules_fire_rarely_as_a_teams_rules_do() -> None:
    """The benchmark measures evaluating rules, not a third of the payments becoming alerts:
    the hundred rules fire on under 1% of a world's payments when no list names its cards."""
    data = world(days=2, customers=400)
    rules = rule_set(100)
    decided = rules.decide(
        np.zeros(len(data.rows), dtype=np.int8), Batch.of_rows(data.rows, data.payments, {})
    )
    share = np.mean([bool(fired) for fired in decided.fired])
    assert 0 < share < 0.01, share
    listed = rules.decide(
        np.zeros(len(data.rows), dtype=np.int8),
        Batch.of_rows(data.rows, data.payments, data.lists),
    )
    on_list = np.mean([p.card_id in data.lists["blocked_cards"] for p in data.payments])
    assert np.mean([bool(fired) for fired in listed.fired]) >= on_list > 0
