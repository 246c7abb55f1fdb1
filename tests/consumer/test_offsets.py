"""Offsets are committed only behind finished work, in order, and never past a waiting label."""

from fraud_consumer.offsets import OffsetTracker

T, L = ("transactions", 0), ("labels", 0)


def committed(tracker: OffsetTracker) -> dict[tuple[str, int], int]:
    offsets, _ = tracker.completed()
    return {(tp.topic, tp.partition): tp.offset for tp in offsets}


def test_batches_complete_in_order_only() -> None:
    tracker = OffsetTracker()
    first, second = tracker.open({T: 10}), tracker.open({T: 20})
    first.pending, second.pending = 1, 0
    assert committed(tracker) == {}  # the second finished first: it must wait
    first.pending = 0
    assert committed(tracker) == {T: 20}
    assert committed(tracker) == {}  # nothing new


def test_a_waiting_label_holds_its_partition_back() -> None:
    tracker = OffsetTracker()
    tracker.open({T: 10, L: 7})
    tracker.hold({L: 3})
    assert committed(tracker) == {T: 10, L: 3}
    tracker.hold({})
    tracker.open({T: 11})  # the batch after the label stopped waiting
    assert committed(tracker) == {T: 11, L: 7}


def test_a_label_let_go_is_committed_only_once_the_batch_carrying_its_dead_letter_is_out() -> None:
    tracker = OffsetTracker()
    tracker.open({T: 10, L: 7})
    tracker.hold({L: 3})
    assert committed(tracker) == {T: 10, L: 3}
    tracker.hold({L: 5})  # the label at 3 given up, the one at 5 still waits
    letters = tracker.open({T: 12})
    letters.pending = 1  # its dead letter not acknowledged yet
    assert committed(tracker) == {}
    tracker.hold({L: 5})  # unchanged while the next batch is built
    tracker.open({T: 13})
    assert committed(tracker) == {}  # behind the unacknowledged batch, in order
    letters.pending = 0
    assert committed(tracker) == {T: 13, L: 5}
    tracker.hold({})
    assert committed(tracker) == {}  # no batch since: the label at 5's letter is not out yet
    tracker.open({})
    assert committed(tracker) == {L: 7}


def test_a_partition_taken_away_is_forgotten_in_holds_being_let_go_too() -> None:
    tracker = OffsetTracker()
    tracker.open({L: 7})
    tracker.hold({L: 3})
    tracker.hold({})
    tracker.forget([L])
    tracker.open({L: 9})  # assigned again, read from its committed offset
    assert committed(tracker) == {L: 9}


def test_revoked_partitions_are_forgotten_and_pending_tickets_listed() -> None:
    tracker = OffsetTracker()
    ticket = tracker.open({T: 10, L: 5})
    ticket.pending = 2
    ticket.on_complete.append("fraud:batch:0-1")
    assert tracker.pending_tickets() == [ticket]
    tracker.forget([T])
    ticket.pending = 0
    offsets, finished = tracker.completed()
    assert {(tp.topic, tp.offset) for tp in offsets} == {("labels", 5)}
    assert finished == []  # T's next owner may redo its part from the recovery copy
    assert tracker.pending_tickets() == []


def test_a_batch_on_a_revoked_partition_keeps_its_recovery_copy() -> None:
    tracker = OffsetTracker()
    p1 = ("transactions", 1)
    tracker.open({T: 10, p1: 4}).on_complete.append("batch:0-5")
    tracker.open({p1: 9}).on_complete.append("batch:1-5")
    tracker.forget([T])  # the next owner of T may redo its part from batch:0-5
    _, finished = tracker.completed()
    assert finished == ["batch:1-5"]


def test_a_batch_whose_decisions_are_not_logged_yet_waits_and_those_after_it() -> None:
    tracker = OffsetTracker()
    tracker.open({T: 10}, log_through=3)
    tracker.open({T: 20}, log_through=7)
    assert tracker.log_through == 7
    offsets, _ = tracker.completed(logged=3)
    assert {(tp.topic, tp.offset) for tp in offsets} == {("transactions", 10)}
    offsets, _ = tracker.completed(logged=6)
    assert offsets == []
    offsets, _ = tracker.completed(logged=7)
    assert {(tp.topic, tp.offset) for tp in offsets} == {("transactions", 20)}
