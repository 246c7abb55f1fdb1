"""The world's settings as make dev, its test and make live-eval pass them on (no processes)."""

from fraud_devstack.warm_start import World
from fraudcore.clock import marker_ttl_s


def test_markers_outlive_the_labels_unless_the_decision_log_keeps_the_decisions() -> None:
    world = World(speed=175.0)
    assert world.env()["RESULT_TTL_S"] == str(marker_ttl_s(175.0))  # no log: Redis must wait
    with_log = world.env(decision_log=True)
    assert "RESULT_TTL_S" not in with_log  # the consumer's default (an hour) covers redeliveries
    assert {k: v for k, v in world.env().items() if k != "RESULT_TTL_S"} == with_log
    assert with_log["PRODUCER_SPEED"] == "175"
