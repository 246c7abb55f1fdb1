"""Dead letters sent back to the topic they came from, once their cause is gone: a label whose
payment came after all (a payment held up upstream, a producer clock far behind), or payments of
a schema the consumer now accepts. Safe to repeat: the consumer recognises a payment it already
decided and a label it already applied by their ids, so a letter sent back twice counts once.

A consumer group remembers how far the dead-letter topic has been sent back, so a second run
sends only what came since; letters its filter leaves out are passed over for that group too,
which is why each filter has a group of its own by default. Letters go back only to the
platform's input topics, byte for byte with their key, and only those on the topic when the run
began (a letter sent back that fails again comes back later, not into the same run).
"""

from __future__ import annotations

import base64
import time
from collections import Counter
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition
from pydantic import ValidationError

from fraudcore.kafka_client import committed_and_ends, consumer_config, producer_config
from fraudcore.schemas import DeadLetter
from fraudcore.settings import KafkaSettings, TopicSettings

REDRIVEN_HEADER = "fraud_redriven_from"  # the letter's own topic:partition:offset
GROUP_PREFIX = "fraud-redrive-"  # the charts' operator user may read in these groups only
POLL_S = 0.5


@dataclass(frozen=True)
class LetterFilter:
    """Which letters to send back: by reason (``DLQ_REASONS``) and source topic; empty: any."""

    reasons: frozenset[str] = frozenset()
    source_topics: frozenset[str] = frozenset()

    def wants(self, letter: DeadLetter) -> bool:
        reason = letter.error.split(":", 1)[0]
        return (not self.reasons or reason in self.reasons) and (
            not self.source_topics or letter.source_topic in self.source_topics
        )

    def default_group(self) -> str:
        """A group per filter: one filter's run never passes over another's letters."""
        parts = sorted(self.reasons) + sorted(self.source_topics)
        return GROUP_PREFIX + ("-".join(parts) or "all")


@dataclass
class Outcome:
    group: str
    dry_run: bool
    read: int = 0
    sent_back: Counter[str] = field(default_factory=Counter)  # by topic
    passed_over: int = 0  # left out by the filter
    refused: int = 0  # naming a topic that is not one of the platform's inputs
    unreadable: int = 0  # not a dead letter at all

    def as_dict(self) -> dict[str, object]:
        return {
            "group": self.group, "dry_run": self.dry_run, "read": self.read,
            "sent_back": dict(self.sent_back), "passed_over": self.passed_over,
            "refused": self.refused, "unreadable": self.unreadable,
        }  # fmt: skip


class _Ends:
    """Where each partition of the dead-letter topic ended when the run began."""

    def __init__(self, reader: Consumer, topic: str, timeout_s: float) -> None:
        self.left: dict[int, int] = {}  # partition -> its end, while letters before it remain
        self.starts: list[TopicPartition] = []
        for tp, low, high in committed_and_ends(reader, topic, timeout_s):
            start = max(tp.offset, low)
            self.starts.append(TopicPartition(topic, tp.partition, start))
            if start < high:
                self.left[tp.partition] = high

    def before_end(self, partition: int, offset: int) -> bool:
        """Whether this letter was there when the run began (the partition is done after it)."""
        end = self.left.get(partition)
        if end is None or offset >= end:
            return False
        if offset + 1 >= end:
            del self.left[partition]
        return True


def redrive(
    settings: KafkaSettings,
    topics: TopicSettings,
    letters: LetterFilter,
    *,
    group: str | None = None,
    dry_run: bool = False,
    timeout_s: float = 60.0,
) -> Outcome:
    """Send the filter's letters back (``dry_run``: only count them) and remember how far."""
    outcome = Outcome(group or letters.default_group(), dry_run)
    inputs = {topics.topic_transactions, topics.topic_labels}
    reader = Consumer(consumer_config(settings, outcome.group, **{"enable.partition.eof": True}))
    producer = None if dry_run else Producer(producer_config(settings))
    positions: dict[int, int] = {}
    try:
        ends = _Ends(reader, topics.topic_dlq, timeout_s)
        reader.assign(ends.starts)
        deadline = time.monotonic() + timeout_s
        while ends.left and time.monotonic() < deadline:
            message = reader.poll(POLL_S)
            if message is None:
                continue
            partition = message.partition() or 0
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    ends.left.pop(partition, None)  # read to its (committed) end
                    continue
                raise RuntimeError(f"reading {topics.topic_dlq}: {error}")
            offset = message.offset() or 0
            if ends.before_end(partition, offset):
                positions[partition] = offset + 1
                _one(message, letters, inputs, producer, outcome)
        if ends.left:
            raise TimeoutError(
                f"{topics.topic_dlq} not read to its end within {timeout_s:.0f} s "
                "(nothing was committed; the letters sent back so far are recognised if sent again)"
            )
        if producer is not None:
            if producer.flush(timeout_s) != 0:
                raise TimeoutError(f"letters not acknowledged within {timeout_s:.0f} s")
            if positions:  # only once every letter sent back is acknowledged
                reader.commit(
                    offsets=[TopicPartition(topics.topic_dlq, p, o) for p, o in positions.items()],
                    asynchronous=False,
                )
    finally:
        reader.close()
    return outcome


def _one(
    message: Message,
    letters: LetterFilter,
    inputs: set[str],
    producer: Producer | None,
    outcome: Outcome,
) -> None:
    outcome.read += 1
    try:
        letter = DeadLetter.from_json(message.value() or b"")
    except ValidationError:
        outcome.unreadable += 1
        return
    if not letters.wants(letter):
        outcome.passed_over += 1
        return
    if letter.source_topic not in inputs:
        outcome.refused += 1
        return
    outcome.sent_back[letter.source_topic] += 1
    if producer is None:
        return
    key = None if letter.original_key_b64 is None else base64.b64decode(letter.original_key_b64)
    where = f"{message.topic()}:{message.partition()}:{message.offset()}"
    value = base64.b64decode(letter.original_value_b64)
    headers: dict[str, str | bytes | None] = {REDRIVEN_HEADER: where}
    while True:
        try:
            producer.produce(letter.source_topic, value, key, headers=headers)
            break
        except BufferError:  # a long topic sent back faster than the broker takes it
            producer.poll(0.1)
    producer.poll(0)
