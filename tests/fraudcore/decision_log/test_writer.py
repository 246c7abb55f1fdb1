"""Writing batches: each decision logged once however often its batch is written, and read
back exactly as served."""

import contextlib
import datetime as dt
import math
import threading

import psycopg
import pytest
from psycopg import sql

from fraud_devstack import PostgresServer
from fraudcore.decision_log import (
    ChallengerVerdict,
    DecisionLogWriter,
    connect,
    get_decisions,
    migrate,
)
from fraudcore.decision_log.contract import CURRENT_FEATURE_SET, DECISIONS, FEATURE_SETS
from fraudcore.decision_log.partitions import maintain
from fraudcore.decision_log.writer import STAGING
from fraudcore.features import FEATURE_NAMES
from fraudcore.schemas import Decision
from fraudcore.settings import DatabaseSettings

pytestmark = pytest.mark.integration


def _count(conn: psycopg.Connection) -> int:
    (count,) = conn.execute(f"SELECT count(*) FROM {DECISIONS}").fetchone()
    return int(count)


def test_a_replayed_batch_writes_nothing_twice(decision_log, make_row) -> None:
    writer = DecisionLogWriter(decision_log)
    batch = [make_row(source_offset=i) for i in range(500)]
    assert writer.write(batch) == 500
    assert writer.write(batch) == 0  # redelivered whole
    overlapping = batch[250:] + [make_row(source_offset=500 + i) for i in range(100)]
    assert writer.write(overlapping) == 100  # a batch cut differently after a crash
    assert DecisionLogWriter(connect_again(decision_log)).write(batch[:10]) == 0
    assert _count(decision_log) == 600


def _staging_made(conn: psycopg.Connection) -> bool:
    (found,) = conn.execute("SELECT to_regclass(%s)", (f"pg_temp.{STAGING}",)).fetchone()
    return found is not None


def test_a_new_batch_goes_by_one_copy_and_only_a_redelivery_by_the_staging_table(
    decision_log, make_row
) -> None:
    writer = DecisionLogWriter(decision_log)
    t0 = make_row().event_time
    days = [t0 + dt.timedelta(days=d, minutes=i) for d in (1, 0) for i in range(3)]
    batch = [make_row(event_time=at, source_offset=i) for i, at in enumerate(days)]
    assert writer.write(batch) == 6
    assert not _staging_made(decision_log)  # straight into the log, over two day partitions
    later = [make_row(source_offset=10 + i) for i in range(4)]
    assert writer.write(batch[3:] + later) == 4  # overlaps the first: the COPY refused it whole
    assert _staging_made(decision_log)
    assert writer.write([make_row(source_offset=20)]) == 1
    assert _count(decision_log) == 11


def test_two_sessions_writing_overlapping_batches_at_once_log_each_decision_once(
    decision_log, make_row
) -> None:
    # A rebalance: the old and the new owner of a partition write the same rows at once, each
    # batch listed in its own order; both insert in one order, so they wait and never deadlock.
    t0 = make_row().event_time
    rows = [
        make_row(event_time=t0 + dt.timedelta(days=i % 2), source_offset=i) for i in range(3000)
    ]
    batches = [rows[:2000], list(reversed(rows[1000:]))]
    writers = [DecisionLogWriter(connect_again(decision_log)) for _ in batches]
    for writer in writers:
        writer.write([make_row(event_time=t0 + dt.timedelta(days=d)) for d in (0, 1)])  # warm
    together = threading.Barrier(len(batches))
    new: list[int] = []

    def write(writer: DecisionLogWriter, batch: list) -> None:
        together.wait()
        new.append(writer.write(batch))

    threads = [
        threading.Thread(target=write, args=pair) for pair in zip(writers, batches, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for writer in writers:
        writer.conn.close()
    assert sorted(new) == [1000, 2000]  # whichever committed first took the overlap
    assert _count(decision_log) == 3004


def connect_again(conn: psycopg.Connection) -> psycopg.Connection:
    """Another session on the same database (a restarted consumer)."""
    return psycopg.connect(conn.info.dsn, password=conn.info.password, autocommit=True)


def test_a_new_batch_renders_no_statement(decision_log, make_row, monkeypatch) -> None:
    # Composing the COPY's column list took about 0.4 ms of each write on the writer thread.
    writer = DecisionLogWriter(decision_log)
    writer.write([make_row()])  # the day's partition and the feature set, once
    rendered: list[sql.Composable] = []
    render = sql.Composed.as_bytes

    def counted(self, context=None):
        rendered.append(self)
        return render(self, context)

    monkeypatch.setattr(sql.Composed, "as_bytes", counted)
    assert writer.write([make_row(source_offset=i) for i in range(5)]) == 5
    assert rendered == []


def test_a_repeat_inside_one_batch_is_logged_once_and_the_first_decision_stays(
    decision_log, make_row
) -> None:
    first = make_row(score=0.9, decision=Decision.BLOCK, rules=["R01"], reasons=["amount"])
    again = make_row(transaction_id=first.transaction_id, score=0.1)
    assert DecisionLogWriter(decision_log).write([first, again]) == 1
    (logged,) = get_decisions(decision_log, first.transaction_id)
    assert (logged.score, logged.decision, logged.row["rules"]) == (0.9, Decision.BLOCK, ["R01"])


def test_a_decision_reads_back_as_served(decision_log, make_row) -> None:
    row = make_row(rules=["R03-NEW-DEVICE-HIGH-AMOUNT"], reasons=["amount", "new_device"])
    DecisionLogWriter(decision_log).write([row])
    (logged,) = get_decisions(decision_log, row.transaction_id)
    assert list(logged.features) == list(FEATURE_NAMES)
    for served, kept in zip(row.features, logged.features.values(), strict=True):
        assert (math.isnan(served) and math.isnan(kept)) or kept == pytest.approx(served, rel=1e-7)
    as_json = logged.as_json()
    assert as_json["features"]["is_night"] is None  # NaN: undefined, null in JSON
    assert as_json["event_time"] == "2026-11-02T09:30:00.000000Z"
    assert as_json["rules"] == ["R03-NEW-DEVICE-HIGH-AMOUNT"]
    assert as_json["timings"]["kafka_ms"] == 1.0
    assert as_json["label"] is None
    assert as_json["challenger"] is None
    names = decision_log.execute(
        f"SELECT names FROM {FEATURE_SETS} WHERE feature_set = %s", (CURRENT_FEATURE_SET,)
    ).fetchone()
    assert names == (list(FEATURE_NAMES),)


def test_text_beyond_ascii_reads_back_whatever_the_session_encoding(decision_log, make_row) -> None:
    # Rows are encoded as UTF-8 before a session is known: the writer's session says so.
    latin = psycopg.connect(
        decision_log.info.dsn,
        password=decision_log.info.password,
        autocommit=True,
        client_encoding="LATIN1",
    )
    row = make_row(merchant_name="Café Zürich", city="São Paulo", reasons=["montant élevé"])
    try:
        assert DecisionLogWriter(latin).write([row]) == 1
    finally:
        latin.close()
    (logged,) = get_decisions(decision_log, row.transaction_id)
    assert (logged.row["merchant_name"], logged.row["city"]) == ("Café Zürich", "São Paulo")
    assert logged.row["reasons"] == ["montant élevé"]


def test_a_challenger_verdict_reads_back_beside_the_champion(decision_log, make_row) -> None:
    shadow = ChallengerVerdict("m-2", 0.875, Decision.BLOCK, ["amount", "new_device"])
    row = make_row(challenger=shadow)
    DecisionLogWriter(decision_log).write([row])
    (logged,) = get_decisions(decision_log, row.transaction_id)
    assert (logged.model_version, logged.decision) == ("m-1", Decision.APPROVE)
    assert logged.as_json()["challenger"] == {
        "model_version": "m-2", "score": 0.875, "decision": "block",
        "reasons": ["amount", "new_device"],
    }  # fmt: skip


def test_an_old_batch_after_its_day_was_dropped_is_logged_again(decision_log, make_row) -> None:
    writer = DecisionLogWriter(decision_log)
    row = make_row()
    writer.write([row])
    maintain(decision_log, row.day + dt.timedelta(days=40), retention_days=31, days_ahead=1)
    assert _count(decision_log) == 0
    # The writer still believes the day exists; the insert finds no partition and it makes one.
    assert writer.write([make_row()]) == 1


def test_bad_rows_fail_the_whole_batch_and_log_none_of_it(decision_log, make_row) -> None:
    writer = DecisionLogWriter(decision_log)
    with pytest.raises(psycopg.DataError, match="0x00"):  # text cannot hold a NUL byte
        writer.write([make_row(), make_row(card_id="card\x00-1")])
    assert _count(decision_log) == 0
    assert writer.write([make_row()]) == 1  # the session is usable after the failure


def test_the_writer_needs_an_autocommit_connection(database_factory) -> None:
    settings = database_factory()
    with (
        psycopg.connect(settings.database_url) as conn,
        pytest.raises(ValueError, match="autocommit"),
    ):
        DecisionLogWriter(conn)
    with connect(settings) as conn:
        assert conn.autocommit


def test_a_server_crash_mid_stream_loses_and_doubles_nothing(tmp_path, make_row) -> None:
    # Its own server, killed (SIGKILL) between batches and while a batch is in flight.
    server = PostgresServer(tmp_path / "pg")
    try:
        settings = DatabaseSettings(database_url=server.start().url)
        batches = [[make_row(source_offset=b * 200 + i) for i in range(200)] for b in range(6)]
        conn = connect(settings)
        migrate(conn)
        writer = DecisionLogWriter(conn)
        assert writer.write(batches[0]) + writer.write(batches[1]) == 400
        server.kill()
        with pytest.raises(psycopg.OperationalError):
            writer.write(batches[2])  # never acknowledged: the caller keeps it and retries
        server.restart()
        # A writer lives with its session: after a lost connection, a new one on a new session.
        writer = DecisionLogWriter(connect(settings))
        # The retry repeats what was not acknowledged, and more (offsets were never committed).
        assert writer.write(batches[1] + batches[2]) == 200
        assert writer.write(batches[3]) == 200
        in_flight = threading.Timer(0.005, server.kill)
        in_flight.start()
        with contextlib.suppress(psycopg.OperationalError):  # committed whole or not at all
            writer.write(batches[4])
        in_flight.join()
        server.restart()
        writer = DecisionLogWriter(connect(settings))
        assert writer.write(batches[3] + batches[4] + batches[5]) in (200, 400)
        with connect(settings) as check:
            ids = [tx for (tx,) in check.execute(f"SELECT transaction_id FROM {DECISIONS}")]
        assert sorted(ids) == sorted(row.transaction_id for batch in batches for row in batch)
    finally:
        server.remove()
