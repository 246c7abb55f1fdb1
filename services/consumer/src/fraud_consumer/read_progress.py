"""How far this consumer has read its transactions partitions, in producer time.

A label is produced after its payment. So once every assigned transactions partition has been
read past a label's timestamp (or to its end), the label's payment has been read if it exists;
until then it may still come, however long a backlog takes to catch up (a consumer back from an
outage reads the small label messages far ahead of the payments). A label's wait for a payment
that never comes is timed from that moment, not from the label's arrival.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from confluent_kafka import Consumer, Message, TopicPartition


def positions_and_ends(
    consumer: Consumer, partitions: list[TopicPartition]
) -> Iterator[tuple[TopicPartition, tuple[int, int] | None]]:
    """Each partition's position and its (low, high) watermarks as last fetched (None: not
    fetched yet, nothing known of its end); local calls, no round trip to the broker."""
    for position in consumer.position(partitions) if partitions else []:
        ends: tuple[int, int] | None
        try:
            ends = consumer.get_watermark_offsets(position, cached=True)
        except Exception:  # librdkafka raises until the partition's first fetch
            ends = None
        yield position, ends


class ReadProgress:
    def __init__(self, topic: str) -> None:
        self.topic = topic
        self._last_ms: dict[int, int] = {}  # partition -> timestamp of the last message read

    def observe(self, messages: Iterable[Message]) -> None:
        last = self._last_ms
        for message in messages:
            if message.topic() == self.topic:
                last[message.partition() or 0] = message.timestamp()[1]

    def forget(self, partitions: Iterable[int]) -> None:
        """Partitions taken away: read again from the committed offsets if they come back."""
        for partition in partitions:
            self._last_ms.pop(partition, None)

    def through_ms(self, consumer: Consumer, assignment: Iterable[TopicPartition]) -> float:
        """The producer time (ms) that every assigned transactions partition has been read
        past: ``inf`` when all are read to their end, ``-inf`` while one has not been read."""
        mine = [tp for tp in assignment if tp.topic == self.topic]
        through = math.inf
        for position, ends in positions_and_ends(consumer, mine):
            if ends is None or ends[1] < 0:
                return -math.inf
            low, high = ends
            if high <= max(position.offset, low):
                continue  # read to its end
            read = self._last_ms.get(position.partition)
            if read is None:
                return -math.inf
            through = min(through, read)
        return through
