"""At-least-once output's commits wait for the decision log without waiting in the loop: the
offsets of batches whose decisions are not durable yet stay, and are committed at a later pass."""

from __future__ import annotations

from typing import Any

from fraud_consumer.kafka_health import KafkaHealth
from fraud_consumer.outgoing import Outgoing
from fraud_consumer.outputs import AtLeastOnceOutputs
from fraud_consumer.settings import ConsumerSettings
from tests.consumer.test_transactional import REQUIRED, FakeLog, FakeSink, T


class CommittingInput:
    def __init__(self) -> None:
        self.commits: list[dict[tuple[str, int], int]] = []

    def commit(self, offsets: list[Any], *, asynchronous: bool) -> None:
        self.commits.append({(tp.topic, tp.partition): tp.offset for tp in offsets})


def test_offsets_commit_once_their_batches_are_logged_at_a_later_pass() -> None:
    kafka, sink, log = CommittingInput(), FakeSink(), FakeLog()
    outputs = AtLeastOnceOutputs(ConsumerSettings(**REQUIRED), KafkaHealth(), kafka, sink, log)  # type: ignore[arg-type]
    log.position = 4
    outputs.emit(Outgoing({T: 10}, [], ["batch:1"]))  # no copies: complete at once
    log.position = 9
    outputs.emit(Outgoing({T: 20}, [], ["batch:2"]))
    outputs.service()  # due: asks for the log through both batches, which is not there yet
    assert (log.asked, log.waited, kafka.commits, sink.forgotten) == ([9], 0, [], [])
    log.durable = 4  # batch:1's rows written: at the next pass, not the next interval
    outputs.service()
    assert (kafka.commits, sink.forgotten) == ([{T: 10}], ["batch:1"])
    log.durable = 9
    outputs.service()
    assert (kafka.commits, sink.forgotten) == ([{T: 10}, {T: 20}], ["batch:1", "batch:2"])
    outputs.service()  # nothing waits for the log any more: the next commit when due
    assert log.asked == [9, 9, 9]
    outputs.close(clean=True)
