"""Day partitions: made ahead of the clock, dropped after retention with their labels."""

import datetime as dt

import pytest

from fraudcore.decision_log import DecisionLogWriter
from fraudcore.decision_log.contract import DECISIONS, LABELS
from fraudcore.decision_log.partitions import ensure_days, existing_days, maintain

pytestmark = pytest.mark.integration

TODAY = dt.date(2026, 12, 1)


def test_maintain_makes_days_ahead_and_drops_days_past_retention(decision_log) -> None:
    old = [dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(3)]  # Oct 1-3
    ensure_days(decision_log, old)
    upkeep = maintain(decision_log, TODAY, retention_days=60, days_ahead=2)
    today = [dt.date(2026, 12, 1), dt.date(2026, 12, 2), dt.date(2026, 12, 3)]
    assert sorted(upkeep.made) == sorted(
        f"{table}_p{day:%Y%m%d}" for table in (DECISIONS, LABELS) for day in today
    )
    # The oldest day kept is Oct 2 (60 days before Dec 1): Oct 1 goes, with its labels.
    assert sorted(upkeep.dropped) == sorted([f"{DECISIONS}_p20261001", f"{LABELS}_p20261001"])
    for table in (DECISIONS, LABELS):
        assert existing_days(decision_log, table) == old[1:] + today
    again = maintain(decision_log, TODAY, retention_days=60, days_ahead=2)
    assert (again.made, again.dropped) == ([], [])


def test_partition_bounds_are_utc_days(decision_log, make_row) -> None:
    late = make_row(event_time=dt.datetime(2026, 11, 2, 23, 59, 59, 999999, tzinfo=dt.UTC))
    # 00:30 on Nov 3 in Paris is still Nov 2 in UTC.
    paris = dt.timezone(dt.timedelta(hours=1))
    early = make_row(event_time=dt.datetime(2026, 11, 3, 0, 30, tzinfo=paris))
    assert DecisionLogWriter(decision_log).write([late, early]) == 2
    assert existing_days(decision_log) == [dt.date(2026, 11, 2)]
    rows = decision_log.execute(
        f"SELECT tableoid::regclass::text, count(*) FROM {DECISIONS} GROUP BY 1"
    ).fetchall()
    assert rows == [(f"{DECISIONS}_p20261102", 2)]
