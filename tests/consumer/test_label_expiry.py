"""Labels that match no transaction within LABEL_WAIT_S are let go; a label that found its
payment and waits for the decision's log row is timed from the log's first answer instead,
because an outage of the log may have outlasted LABEL_WAIT_S before that answer."""

import datetime as dt
from types import SimpleNamespace

from confluent_kafka import Message

from fraud_consumer.decoding import Decoded, decode_label
from fraud_consumer.labels import Waiting
from fraud_consumer.processor import Processor
from fraudcore.schemas import Label

WAIT_S = 60.0


def waiting(offset: int, since: float, log_since: float | None = None) -> Waiting:
    label = Label(transaction_id=f"tx-{offset}", is_fraud=True, scenario="card_testing",
                  labelled_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))  # fmt: skip
    message = Message(topic="labels", partition=0, offset=offset, key=b"card-1",
                      value=label.to_json())  # fmt: skip
    decoded = decode_label(message)
    assert isinstance(decoded, Decoded)
    return Waiting(decoded, since=since, log_since=log_since)


def expire(entries: list[Waiting], now: float) -> tuple[list[int], dict]:
    holds: dict = {}
    processor = SimpleNamespace(
        settings=SimpleNamespace(label_wait_s=WAIT_S), waiting=entries,
        outputs=SimpleNamespace(hold=holds.update),
    )  # fmt: skip
    Processor._expire_waiting_labels(processor, now=now)  # type: ignore[arg-type]
    return [w.item.message.offset() for w in processor.waiting], holds


def test_unmatched_labels_go_after_the_wait_and_matched_ones_from_the_logs_answer() -> None:
    now = 1_000.0
    kept, holds = expire(
        [
            waiting(1, since=now - 61),  # matched nothing for over a minute: let go
            waiting(2, since=now - 59),
            waiting(3, since=now - 300, log_since=now - 5),  # waited out an outage of the log
            waiting(4, since=now - 300, log_since=now - 61),
        ],
        now,
    )

    assert kept == [2, 3]
    assert holds == {("labels", 0): 2}
