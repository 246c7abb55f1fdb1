"""Upkeep on a simulated world's days, far from the wall clock: the log's clock keeps what is
within retention of the log's newest day, drops what is older, keeps every decision a label can
still arrive for, and makes the days ahead of the log's day."""

import datetime as dt

import pytest

from fraudcore.clock import DAY_S, LABEL_HORIZON_S
from fraudcore.decision_log import DecisionLogWriter, LabelStatus, apply_labels
from fraudcore.decision_log.contract import DECISIONS, LABELS
from fraudcore.decision_log.log_clock import QUORUM, Clock, today
from fraudcore.decision_log.partitions import existing_days, maintain
from fraudcore.schemas import Label

pytestmark = pytest.mark.integration

RETENTION = 31  # the least allowed: labels come up to 30 days late
AHEAD = 3


def _write_days(conn, make_row, newest: dt.date, offsets: list[int]) -> dict[int, list]:
    """QUORUM decisions at noon of each day ``newest - offset``, by the production writer."""
    rows = {
        back: [
            make_row(
                event_time=dt.datetime.combine(
                    newest - dt.timedelta(days=back), dt.time(12, i), dt.UTC
                )
            )
            for i in range(QUORUM)
        ]
        for back in offsets
    }
    writer = DecisionLogWriter(conn)
    for day_rows in rows.values():
        assert writer.write(day_rows) == QUORUM
    return rows


def _label(row, after_s: float) -> Label:
    at = row.event_time + dt.timedelta(seconds=after_s)
    return Label(transaction_id=row.transaction_id, is_fraud=True, scenario="x", labelled_at=at)


@pytest.mark.parametrize(
    "newest",
    [dt.date(2031, 6, 15), dt.date(2024, 3, 2)],  # a world years ahead of the wall, one behind
)
def test_upkeep_counts_days_in_the_logs_own_clock(decision_log, make_row, newest) -> None:
    horizon_days = LABEL_HORIZON_S // DAY_S
    offsets = [0, 1, horizon_days, RETENTION, RETENTION + 1, 200]
    rows = _write_days(decision_log, make_row, newest, offsets)
    old = rows[RETENTION + 1][0]
    assert apply_labels(decision_log, [_label(old, 3 * DAY_S)])[0].status is LabelStatus.APPLIED
    absurd = make_row(event_time=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    assert DecisionLogWriter(decision_log).write([absurd]) == 1

    wall = dt.datetime.now(dt.UTC)
    chosen = today(decision_log, Clock.LOG, wall)
    assert (chosen.day, chosen.ignored) == (newest, (dt.date(2099, 1, 1),))
    upkeep = maintain(decision_log, newest, RETENTION, AHEAD)

    def day(back: int) -> dt.date:
        return newest - dt.timedelta(days=back)

    ahead = [newest + dt.timedelta(days=i) for i in range(1, AHEAD + 1)]
    assert sorted(upkeep.made) == sorted(
        f"{table}_p{d:%Y%m%d}" for table in (DECISIONS, LABELS) for d in ahead
    )
    gone = [day(200), day(RETENTION + 1)]
    assert sorted(upkeep.dropped) == sorted(
        f"{table}_p{d:%Y%m%d}" for table in (DECISIONS, LABELS) for d in gone
    )
    kept = sorted(day(back) for back in offsets if back <= RETENTION)
    for table in (DECISIONS, LABELS):
        assert existing_days(decision_log, table) == [*kept, *ahead, dt.date(2099, 1, 1)]

    # A label as late as labels come, for the oldest decision it can still be owed to, applies.
    owed = rows[horizon_days][0]
    (late,) = apply_labels(decision_log, [_label(owed, LABEL_HORIZON_S)])
    assert late.status is LabelStatus.APPLIED
    (gone_label,) = apply_labels(decision_log, [_label(old, 4 * DAY_S)])
    assert gone_label.status is LabelStatus.NOT_LOGGED
