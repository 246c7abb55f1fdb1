"""The upkeep's clock: the log's own newest day, not moved by a few absurd event times."""

import datetime as dt

from fraudcore.decision_log.log_clock import QUORUM, Clock, newest_quorum_day, today

DAY = dt.date(2031, 6, 15)


def _days(*offsets: int) -> list[dt.date]:
    return [DAY + dt.timedelta(days=i) for i in offsets]


def test_the_log_clock_is_the_newest_day_holding_a_quorum() -> None:
    held = dict.fromkeys(_days(-2, -1, 0), QUORUM)
    assert newest_quorum_day(list(held), held.__getitem__) == (DAY, ())


def test_empty_days_made_ahead_do_not_move_the_clock() -> None:
    held = dict.fromkeys(_days(-1, 0), QUORUM) | dict.fromkeys(_days(1, 2, 3), 0)
    assert newest_quorum_day(list(held), held.__getitem__) == (DAY, ())


def test_a_few_absurd_event_times_are_ignored_and_reported() -> None:
    absurd = [dt.date(2099, 1, 1), dt.date(2099, 1, 2)]
    held = dict.fromkeys(_days(0), QUORUM) | {absurd[0]: 1, absurd[1]: QUORUM - 1}
    assert newest_quorum_day(list(held), held.__getitem__) == (DAY, (absurd[1], absurd[0]))


def test_a_log_without_a_quorum_day_has_no_clock() -> None:
    held = dict.fromkeys(_days(-1, 0), 3)
    assert newest_quorum_day(list(held), held.__getitem__) == (None, tuple(_days(0, -1)))
    assert newest_quorum_day([], held.__getitem__) == (None, ())


def test_the_wall_clock_is_the_utc_day_of_now_whatever_the_log() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    now = dt.datetime(2026, 12, 2, 0, 30, tzinfo=paris)  # still Dec 1 in UTC
    chosen = today(None, Clock.WALL, now)  # type: ignore[arg-type]  # the wall needs no log
    assert (chosen.day, chosen.clock) == (dt.date(2026, 12, 1), Clock.WALL)
