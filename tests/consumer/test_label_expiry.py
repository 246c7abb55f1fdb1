"""A label waits for its payment while the payment may still come: until every transactions
partition has been read past the label (its payment was produced before it), however long a
backlog takes to catch up, then LABEL_WAIT_S more before it is let go. A label that found its
payment and waits for the decision's log row is timed from the log's first answer instead, for
as long as that row may still come, and too many waiting labels hold the label partitions back.
A label let go is a dead letter (reason ``unmatched``) saying which transaction it named.
"""

import base64
import datetime as dt
import math
from types import SimpleNamespace

from confluent_kafka import Message

from fraud_consumer.decoding import Decoded, Rejected, decode_label
from fraud_consumer.labels import Waiting
from fraud_consumer.processor import Processor
from fraudcore.schemas import Label

WAIT_S = 60.0
MOST = 500  # LABEL_MAX_WAITING


def waiting(
    offset: int,
    due_since: float | None = None,
    log_since: float | None = None,
    *,
    produced_ms: int = 1_000,
    patience_s: float = 30.0,
) -> Waiting:
    label = Label(transaction_id=f"tx-{offset}", is_fraud=True, scenario="card_testing",
                  labelled_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))  # fmt: skip
    message = Message(topic="labels", partition=0, offset=offset, key=b"card-1",
                      value=label.to_json(), timestamp=(1, produced_ms))  # fmt: skip
    decoded = decode_label(message)
    assert isinstance(decoded, Decoded)
    return Waiting(decoded, due_since=due_since, log_since=log_since, log_patience_s=patience_s)


class FakeInput:
    def __init__(self, through_ms: float) -> None:
        self.through_ms = through_ms
        self.restrained: list[bool] = []

    def transactions_read_through_ms(self) -> float:
        return self.through_ms

    def restrain_labels(self, restrain: bool) -> None:
        self.restrained.append(restrain)


def expire(
    entries: list[Waiting], now: float, through_ms: float = math.inf, restrained: bool = False
) -> tuple[list[int], dict, SimpleNamespace]:
    holds: dict = {}
    processor = SimpleNamespace(
        settings=SimpleNamespace(label_wait_s=WAIT_S, label_max_waiting=MOST), waiting=entries,
        outputs=SimpleNamespace(hold=holds.update), kafka=FakeInput(through_ms),
        _labels_restrained=restrained,
    )  # fmt: skip
    processor._restrain_labels = lambda: Processor._restrain_labels(processor)  # type: ignore[arg-type]
    processor.letters = Processor._expire_waiting_labels(processor, now=now)  # type: ignore[arg-type]
    return [w.item.message.offset() for w in processor.waiting], holds, processor


def test_unmatched_labels_go_after_the_wait_and_matched_ones_from_the_logs_answer() -> None:
    now = 1_000.0
    kept, holds, _ = expire(
        [
            waiting(1, due_since=now - 61),  # matched nothing for over a minute: let go
            waiting(2, due_since=now - 59),
            waiting(3, due_since=now - 300, log_since=now - 85),  # waited out an outage of the log
            waiting(4, due_since=now - 300, log_since=now - 91),  # 30 s + the wait: let go
            waiting(5, due_since=now - 300, log_since=now - 600, patience_s=900),  # may still come
        ],
        now,
    )

    assert kept == [2, 3, 5]
    assert holds == {("labels", 0): 2}


def test_a_label_let_go_is_a_dead_letter_naming_its_transaction_and_why() -> None:
    now = 1_000.0
    unmatched, unlogged = waiting(1, due_since=now - 61), waiting(4, log_since=now - 91)
    kept, _, processor = expire([unmatched, unlogged, waiting(2, due_since=now - 1)], now)

    assert kept == [2]
    letters: list[Rejected] = processor.letters
    assert [r.reason for r in letters] == ["unmatched", "unmatched"]
    assert [r.message.offset() for r in letters] == [1, 4]
    first, second = (r.letter for r in letters)
    assert first.error == (
        "unmatched: no transaction tx-1 was read within 60 s after the transactions were read "
        "past the label's time"
    )
    assert second.error == (
        "unmatched: the decision of transaction tx-4 was not in the decision log within 90 s"
    )
    assert (first.source_topic, first.source_partition, first.source_offset) == ("labels", 0, 1)
    assert base64.b64decode(first.original_value_b64) == unmatched.item.message.value()
    assert expire([waiting(2, due_since=now - 1)], now)[2].letters == []


def test_a_label_ahead_of_the_payments_read_waits_however_long_the_catch_up() -> None:
    now = 1_000.0
    ahead, behind = waiting(1, produced_ms=5_000), waiting(2, produced_ms=3_000)

    kept, _, _ = expire([ahead, behind], now, through_ms=4_000)  # payments read up to 4 s
    assert kept == [1, 2]
    assert (ahead.due_since, behind.due_since) == (None, now)  # only the one read past is timed

    kept, _, _ = expire([ahead, behind], now + 3_600, through_ms=4_999)  # an hour behind
    assert kept == [1]  # the other one's payment never came
    assert ahead.due_since is None

    kept, _, _ = expire([ahead], now + 3_601, through_ms=math.inf)  # read to the end
    assert ahead.due_since == now + 3_601
    assert expire([ahead], now + 3_601 + WAIT_S + 1)[0] == []


def test_too_many_waiting_labels_hold_the_label_partitions_back_until_half_found_theirs() -> None:
    many = [waiting(i, produced_ms=10**9) for i in range(MOST + 1)]
    _, _, processor = expire(many, 0.0, through_ms=0)
    assert processor.kafka.restrained == [True]
    assert processor._labels_restrained

    half = many[: MOST // 2 + 1]
    _, _, processor = expire(half, 0.0, through_ms=0, restrained=True)
    assert processor.kafka.restrained == [True]  # still over half: held back
    _, _, processor = expire(half[:-1], 0.0, through_ms=0, restrained=True)
    assert processor.kafka.restrained == [False]
    assert not processor._labels_restrained
