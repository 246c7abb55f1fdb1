"""What a batch sends and covers, and what a rebalance takes away."""

from confluent_kafka import Message, TopicPartition

from fraud_consumer.decoding import decode_transaction
from fraud_consumer.outgoing import outgoing
from fraud_consumer.pipeline import BatchResult, Output
from fraud_consumer.rebalance import Rebalance
from fraudcore.schemas import Decision
from fraudcore.settings import TopicSettings

TOPICS = TopicSettings()


def message(partition: int, offset: int, value: bytes = b"{}") -> Message:
    return Message(topic=TOPICS.topic_transactions, partition=partition, offset=offset,
                   key=b"card-1", value=value)  # fmt: skip


def test_outputs_alerts_and_dead_letters_with_the_offsets_they_cover() -> None:
    messages = [message(0, 7), message(0, 9), message(2, 3)]
    result = BatchResult(
        outputs=[Output(b"card-1", b"ok", Decision.APPROVE, []),
                 Output(b"card-2", b"flagged", Decision.BLOCK, ["R01"])],
        batch_key="fraud:batch:0-7",
    )  # fmt: skip
    rejected = decode_transaction(message(2, 3, b"not json"))

    batch = outgoing(TOPICS, messages, result, [rejected])

    assert batch.next_offsets == {(TOPICS.topic_transactions, 0): 10,
                                  (TOPICS.topic_transactions, 2): 4}  # fmt: skip
    assert [(topic, key) for topic, key, _ in batch.messages] == [
        (TOPICS.topic_scored, b"card-1"),
        (TOPICS.topic_scored, b"card-2"),
        (TOPICS.topic_alerts, b"card-2"),
        (TOPICS.topic_dlq, b"card-1"),
    ]
    assert batch.recovery_keys == ["fraud:batch:0-7"]


def test_a_revoke_finishes_work_first_then_releases_the_partitions() -> None:
    rebalance, calls = Rebalance(), []
    rebalance.before_revoke(lambda: calls.append("finish"))
    rebalance.on_release(lambda gone: calls.append(sorted(gone)))
    rebalance.assign(None, [TopicPartition("t", 0), TopicPartition("t", 1)])
    rebalance.revoke(None, [TopicPartition("t", 1)])
    assert calls == ["finish", [("t", 1)]]
    assert rebalance.assigned == {("t", 0)}
    assert rebalance.revoked
    rebalance.release_all()  # membership gone: no finishing, everything released
    assert calls[-1] == [("t", 0)]
    assert rebalance.assigned == set()
