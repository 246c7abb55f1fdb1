"""Taking partitions over runs the registered hooks (the registry read anew), once per
assignment that brings partitions."""

from confluent_kafka import TopicPartition

from fraud_consumer.rebalance import Rebalance


def test_an_assignment_with_partitions_runs_the_hooks() -> None:
    rebalance, taken = Rebalance(), []
    rebalance.on_assign(lambda: taken.append(sorted(rebalance.assigned)))
    rebalance.assign(None, [TopicPartition("t", 0), TopicPartition("t", 2)])
    rebalance.assign(None, [])  # an incremental assignment that brings nothing
    assert taken == [[("t", 0), ("t", 2)]]
