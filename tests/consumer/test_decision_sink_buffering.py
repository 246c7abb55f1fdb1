"""The decision log buffered across batches, against a real Redis and a real PostgreSQL: rows go
to the log when the buffer is old or big enough or when the offsets ask (``logged``, which never
waits and says "not yet" until they are durable), and a consumer stopped with rows buffered
loses none of them (its successor logs them from the batches' recovery copies)."""

import threading
import time
from time import time_ns

import pytest

from fraud_consumer.decision_sink import ENCODING_PAUSE_S, LogBuffering
from fraudcore.decision_log import connect, copy_rows
from fraudcore.decision_log.copy_rows import SLICE_ROWS, RowEncoder

pytestmark = pytest.mark.integration
NEVER = 3600.0  # no flush by age within a test


@pytest.fixture
def database(decision_log_factory):
    return decision_log_factory()


def log_size(settings) -> int:
    with connect(settings) as conn:
        found = conn.execute("SELECT count(*) FROM decisions").fetchone()
    assert found is not None
    return int(found[0])


def hand_over(consumer, txs) -> None:
    """The batch as the processor runs it: Redis written, its rows handed to the log, no wait."""
    consumer.pipeline.process([consumer.decoded(tx) for tx in txs], time_ns(), 0.0)


def eventually(check, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.02)


def test_rows_wait_in_memory_until_the_buffer_is_big_enough(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    sink = consumer.pipeline.decisions
    sink.buffering = LogBuffering(after_s=NEVER, rows=25)
    hand_over(consumer, transactions(10, prefix="a"))
    hand_over(consumer, transactions(10, prefix="b"))
    time.sleep(0.3)
    assert (log_size(database), sink.handed, sink.durable) == (0, 20, 0)
    hand_over(consumer, transactions(10, prefix="c"))  # 30 buffered: one COPY of all three
    eventually(lambda: log_size(database) == 30)
    # The COPY's rows show before its worker has reported them durable: heard a moment later.
    eventually(lambda: sink.logged(30) == 30)


def test_rows_go_to_the_log_once_the_oldest_is_old_enough(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    sink = consumer.pipeline.decisions
    sink.buffering = LogBuffering(after_s=0.2, rows=10_000)
    hand_over(consumer, transactions(5, prefix="a"))
    hand_over(consumer, transactions(5, prefix="b"))
    assert log_size(database) == 0
    time.sleep(0.25)
    hand_over(consumer, transactions(5, prefix="c"))  # the buffer is old: it goes, this one too
    eventually(lambda: log_size(database) == 15)


def test_offsets_asking_start_the_write_and_hear_not_yet_until_it_is_durable(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    sink = consumer.pipeline.decisions
    sink.buffering = LogBuffering(after_s=NEVER, rows=10_000)
    hand_over(consumer, transactions(8, prefix="a"))
    through = sink.handed
    began = time.perf_counter()
    assert sink.logged(through) < through  # not yet: the write has only started
    asked_s = time.perf_counter() - began
    eventually(lambda: sink.logged(through) >= through)
    assert log_size(database) == 8
    assert asked_s < 0.05  # it did not wait for the write
    hand_over(consumer, transactions(4, prefix="b"))  # after the position asked for
    assert sink.logged(through) == through  # durable as far as asked, the rest still buffered
    assert log_size(database) == 8


def test_a_consumer_stopped_with_rows_buffered_loses_none_of_them(
    inprocess_consumer_factory, database, transactions
) -> None:
    first = inprocess_consumer_factory(database_url=database.database_url)
    first.pipeline.decisions.buffering = LogBuffering(after_s=NEVER, rows=10_000)
    txs = transactions(40)
    batches = [txs[:15], txs[15:]]
    offset = 100
    for batch in batches:  # Redis has them, the log does not: the process dies here
        first.pipeline.process(
            [first.decoded(tx, offset + i) for i, tx in enumerate(batch)], time_ns(), 0.0
        )
        offset += len(batch)
    assert log_size(database) == 0

    # Its offsets were never committed (nothing logged): a successor reads both batches again.
    successor = inprocess_consumer_factory(database_url=database.database_url)
    logged, offset = 0, 100
    for batch in batches:
        again = successor.process([successor.decoded(tx, offset + i) for i, tx in enumerate(batch)])
        assert (again.new, len(again.outputs)) == (0, len(batch))  # re-emitted, not rescored
        logged += again.logged
        offset += len(batch)
    assert logged == 40
    assert log_size(database) == 40


def test_the_loop_hands_rows_over_unencoded_and_the_writer_encodes_them_in_slices(
    inprocess_consumer_factory, database, transactions, monkeypatch
) -> None:
    # Encoding in the loop lengthened every batch; on the writer, in one go, it held the
    # interpreter lock the loop waited for: the writer pauses between slices instead.
    loop = threading.current_thread()
    encoded_on: list[threading.Thread] = []
    pauses: list[float] = []  # the writer's (the loop's own are the test's waits)
    encode, sleep = RowEncoder.encode, time.sleep

    def recorded(self, row):
        encoded_on.append(threading.current_thread())
        return encode(self, row)

    monkeypatch.setattr(RowEncoder, "encode", recorded)

    def paused(seconds: float) -> None:
        if threading.current_thread() is not loop:
            pauses.append(seconds)
        sleep(seconds)

    monkeypatch.setattr(copy_rows.time, "sleep", paused)
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    sink = consumer.pipeline.decisions
    sink.buffering = LogBuffering(after_s=NEVER, rows=SLICE_ROWS + 10)
    hand_over(consumer, transactions(SLICE_ROWS, prefix="a"))
    assert encoded_on == []  # buffered as handed over
    hand_over(consumer, transactions(10, prefix="b"))  # the buffer is big enough: written
    eventually(lambda: log_size(database) == SLICE_ROWS + 10)
    assert len(encoded_on) == SLICE_ROWS + 10
    assert loop not in encoded_on
    assert pauses == [ENCODING_PAUSE_S]  # between the two slices
