"""Which waiting labels a batch looks up again: a backlog of labels ahead of their payments must
not be looked up whole in every batch (it made each batch take seconds under lag)."""

import datetime as dt
import time

import pytest
from confluent_kafka import Message

from fraud_consumer.decoding import Decoded
from fraud_consumer.labels import Recheck, Waiting
from fraudcore.schemas import Label


def waiting(tx_id: str, *, looked_up: bool = True) -> Waiting:
    label = Label(transaction_id=tx_id, is_fraud=False, scenario="genuine",
                  labelled_at=dt.datetime.now(dt.UTC))  # fmt: skip
    message = Message(topic="labels", partition=0, offset=0, value=label.to_json())
    return Waiting(Decoded(message, label, time.time_ns()), looked_up=looked_up)


def ids(entries: list[Waiting]) -> list[str]:
    return [entry.item.event.transaction_id for entry in entries]


def test_the_first_batch_is_a_full_pass() -> None:
    backlog = [waiting(f"tx-{i}") for i in range(3)]
    due, rest, full = Recheck().split(backlog, set())
    assert (ids(due), rest, full) == (["tx-0", "tx-1", "tx-2"], [], True)


def test_between_full_passes_only_new_labels_and_those_whose_payment_came_are_looked_up() -> None:
    recheck = Recheck(min_interval_s=60)
    recheck.full_pass_took(0.01)
    backlog = [waiting(f"tx-{i}") for i in range(1_000)] + [waiting("new", looked_up=False)]
    due, rest, full = recheck.split(backlog, {"tx-7", "tx-900", "not-waiting"})
    assert not full
    assert ids(due) == ["tx-7", "tx-900", "new"]
    assert len(rest) == 998
    assert set(ids(due)) | set(ids(rest)) == set(ids(backlog))


def test_full_passes_are_spaced_by_their_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    recheck = Recheck(min_interval_s=5)
    backlog = [waiting("tx-1")]
    recheck.full_pass_took(3.0)  # a pass over a big backlog took 3 s: the next in 30 s, not 5
    clock[0] += 29.0
    assert recheck.split(backlog, set())[2] is False
    clock[0] += 1.0
    assert recheck.split(backlog, set())[2] is True
    recheck.full_pass_took(0.001)  # cheap again: the floor of 5 s holds
    clock[0] += 4.9
    assert recheck.split(backlog, set())[2] is False
    clock[0] += 0.1
    assert recheck.split(backlog, set())[2] is True
