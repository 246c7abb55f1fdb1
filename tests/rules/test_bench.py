"""The benchmark runs the engine over a simulated world at each size (`fraud-rules bench`)."""

from fraud_rules.bench import rule_set, table, us_per_payment, world


def test_the_benchmark_decides_a_world_with_generated_rules() -> None:
    data = world(days=1, customers=60)
    rules = rule_set(12)
    assert len(rules.active) == 12
    assert {"R01-IMPOSSIBLE-TRAVEL", "R04-RISKY-TERMINAL"} <= {rule.id for rule in rules.active}
    figures = {12: {b: us_per_payment(rules, data, b, repeats=1) for b in (1, 16)}}
    assert all(value >= 0 for value in figures[12].values())
    assert table(figures).splitlines()[2].startswith("| 12 | ")
