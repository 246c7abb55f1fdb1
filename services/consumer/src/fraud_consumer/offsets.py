"""Which input offsets may be committed: a batch's offsets become committable only when its
results are in Redis (and its decisions in the log: ``LogProgress``) and every Kafka message it
produced is acknowledged, and never past a label still waiting for its transaction. A label that
stops waiting without being applied is dead-lettered by the batch emitted next, so its offset is
let go only once that batch is complete (``OffsetTracker.hold``)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from confluent_kafka import TopicPartition

Partition = tuple[str, int]


class LogProgress(Protocol):
    """How far the decision log has what was handed to it, in rows counted from the start: a
    batch's offsets commit once the log is durable through the position the batch ended at."""

    def handed(self) -> int:
        """The position after every row handed over so far."""

    def logged(self, through: int, *, wait: bool) -> int:
        """The position durable now, the writes up to ``through`` started (``wait``: done)."""


class NoLog:
    """No decision log: nothing to wait for."""

    def handed(self) -> int:
        return 0

    def logged(self, through: int, *, wait: bool) -> int:
        return through


NO_LOG = NoLog()


@dataclass
class Ticket:
    next_offsets: dict[Partition, int]  # per partition: last offset in the batch + 1
    pending: int = 0  # produced messages not yet acknowledged
    on_complete: list[str] = field(default_factory=list)  # recovery copies to drop afterwards
    messages: list[tuple[str, bytes | None, bytes]] = field(default_factory=list)  # to resend
    log_through: int = 0  # the batch's decisions are logged once the log is durable this far
    seq: int = 0  # opened in this order


class OffsetTracker:
    def __init__(self) -> None:
        self._tickets: deque[Ticket] = deque()
        self._done: dict[Partition, int] = {}  # highest offset whose batch fully completed
        self._committed: dict[Partition, int] = {}
        self._holds: dict[Partition, int] = {}
        # Holds replaced by hold(), each in force until the batch opened after it is complete
        # (its ticket's seq; None: no batch opened since).
        self._retiring: list[tuple[int | None, dict[Partition, int]]] = []
        self._opened = 0
        self._popped = 0  # every ticket with a seq up to this one is complete

    def open(self, next_offsets: dict[Partition, int], log_through: int = 0) -> Ticket:
        self._opened += 1
        ticket = Ticket(next_offsets, log_through=log_through, seq=self._opened)
        self._tickets.append(ticket)
        at = len(self._retiring)
        while at and self._retiring[at - 1][0] is None:  # those replaced since the last batch
            at -= 1
            self._retiring[at] = (self._opened, self._retiring[at][1])
        return ticket

    @property
    def log_through(self) -> int:
        """How far the log must be durable for every open batch to be committable."""
        return self._tickets[-1].log_through if self._tickets else 0

    def hold(self, holds: dict[Partition, int]) -> None:
        """Offsets at or after these stay uncommitted (labels waiting for their transaction).
        What the previous holds held and these do not stays held until the batch opened next
        is complete: a label given up is dead-lettered by it, and with at-least-once delivery
        its offset committed before the dead letter is acknowledged would lose it in a crash."""
        if holds != self._holds:
            self._retiring.append((None, self._holds))
            self._holds = dict(holds)

    def _in_force(self) -> dict[Partition, int]:
        if not self._retiring:
            return self._holds
        merged = dict(self._holds)
        for _, holds in self._retiring:
            for partition, offset in holds.items():
                merged[partition] = min(offset, merged.get(partition, offset))
        return merged

    def completed(self, logged: int | None = None) -> tuple[list[TopicPartition], list[str]]:
        """Offsets to commit now (batches completed in order, their decisions logged as far as
        ``logged`` says, holds respected) and the Redis keys of records whose Kafka copies are
        all acknowledged."""
        finished: list[str] = []
        while self._tickets and self._tickets[0].pending == 0:
            if logged is not None and self._tickets[0].log_through > logged:
                break
            ticket = self._tickets.popleft()
            for partition, offset in ticket.next_offsets.items():
                self._done[partition] = max(self._done.get(partition, 0), offset)
            finished.extend(ticket.on_complete)
            self._popped = ticket.seq
        self._retiring = [(s, h) for s, h in self._retiring if s is None or s > self._popped]
        holds = self._in_force()
        commits = []
        for partition, done in self._done.items():
            target = min(done, holds.get(partition, done))
            if target > self._committed.get(partition, -1):
                self._committed[partition] = target
                commits.append(TopicPartition(partition[0], partition[1], target))
        return commits, finished

    def forget(self, partitions: Iterable[Partition]) -> None:
        """Partitions taken away by a rebalance: their uncommitted work is the next owner's."""
        gone = set(partitions)
        for table in (self._done, self._committed, self._holds, *(h for _, h in self._retiring)):
            for partition in gone:
                table.pop(partition, None)
        for ticket in self._tickets:
            if gone & ticket.next_offsets.keys():
                # the next owner may redo this batch from its recovery copy: leave it to its TTL
                ticket.on_complete.clear()
            for partition in gone:
                ticket.next_offsets.pop(partition, None)

    def pending_tickets(self) -> list[Ticket]:
        return [ticket for ticket in self._tickets if ticket.pending]

    @property
    def in_flight(self) -> int:
        return len(self._tickets)
