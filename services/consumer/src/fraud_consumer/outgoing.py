"""What one batch sends to Kafka: its scored records, review and block decisions again as
alerts, and the messages it could not read as dead letters, with the input offsets all of that
covers (committed only once every copy is out) and the Redis recovery copy to drop then."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from confluent_kafka import Message

from fraud_consumer.decoding import Rejected
from fraud_consumer.offsets import Partition
from fraud_consumer.pipeline import BatchResult
from fraud_consumer.rebalance import partition_of
from fraudcore.schemas import Decision
from fraudcore.settings import TopicSettings

KafkaMessage = tuple[str, bytes | None, bytes]  # topic, key, value


@dataclass
class Outgoing:
    next_offsets: dict[Partition, int]  # per input partition: last offset in the batch + 1
    messages: list[KafkaMessage] = field(default_factory=list)
    recovery_keys: list[str] = field(default_factory=list)


def outgoing(
    topics: TopicSettings, messages: list[Message], result: BatchResult, rejected: list[Rejected]
) -> Outgoing:
    next_offsets: dict[Partition, int] = defaultdict(int)
    for message in messages:
        partition = partition_of(message)
        next_offsets[partition] = max(next_offsets[partition], (message.offset() or 0) + 1)
    batch = Outgoing(dict(next_offsets))
    for output in result.outputs:
        batch.messages.append((topics.topic_scored, output.key, output.value))
        if output.decision is not Decision.APPROVE:
            batch.messages.append((topics.topic_alerts, output.key, output.value))
    for bad in rejected:
        batch.messages.append((topics.topic_dlq, bad.message.key(), bad.letter.to_json()))
    if result.batch_key:
        batch.recovery_keys.append(result.batch_key)
    return batch
