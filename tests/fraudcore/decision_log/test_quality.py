"""Quality figures from the log: the window ends at the newest day with a decision, and a figure
without its denominator is None, never 0 (unknown labels are not genuine)."""

import datetime as dt

import pytest

from fraudcore.decision_log import DecisionLogWriter, apply_labels
from fraudcore.decision_log.partitions import maintain
from fraudcore.decision_log.quality import latest_day, quality, recent_quality
from fraudcore.schemas import Label

pytestmark = pytest.mark.integration
T0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def _label(row, is_fraud: bool) -> Label:
    return Label(transaction_id=row.transaction_id, is_fraud=is_fraud,
                 scenario="card_testing" if is_fraud else "genuine",
                 labelled_at=row.event_time + dt.timedelta(days=3))  # fmt: skip


def test_the_window_ends_at_the_newest_day_with_decisions(decision_log, make_row) -> None:
    assert latest_day(decision_log) is None
    assert recent_quality(decision_log, 7) == []
    days = [T0 - dt.timedelta(days=d) for d in (0, 1, 9)]
    DecisionLogWriter(decision_log).write([make_row(event_time=t) for t in days])
    maintain(decision_log, T0.date(), retention_days=31, days_ahead=5)  # empty days ahead
    assert latest_day(decision_log) == T0.date()
    assert [q.day for q in recent_quality(decision_log, 7)] == [d.date() for d in days[1::-1]]
    assert len(quality(decision_log, days[2].date(), T0.date())) == 3


def test_figures_count_labelled_decisions_only(decision_log, make_row) -> None:
    # review threshold 0.2 (make_row): 0.5 and 0.9 are alerts, 0.1 is not.
    rows = [make_row(score=s) for s in (0.9, 0.5, 0.1, 0.1)]
    DecisionLogWriter(decision_log).write(rows)
    (day,) = quality(decision_log, T0.date(), T0.date())
    assert (day.decisions, day.alerts, day.alert_rate) == (4, 2, 0.5)
    assert (day.precision, day.recall, day.label_coverage) == (None, None, 0.0)
    apply_labels(decision_log, [_label(rows[0], True), _label(rows[2], False)])
    (day,) = quality(decision_log, T0.date(), T0.date())
    # The unlabelled alert (0.5) is unknown, not a false positive.
    assert (day.precision, day.recall, day.label_coverage) == (1.0, 1.0, 0.5)
    apply_labels(decision_log, [_label(rows[1], False), _label(rows[3], True)])
    (day,) = quality(decision_log, T0.date(), T0.date())
    assert (day.precision, day.recall, day.label_coverage) == (0.5, 0.5, 1.0)
    assert day.as_json()["day"] == "2026-11-02"
