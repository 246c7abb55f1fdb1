"""fraud-lists: the list names, durations and times read strictly; against the decision log's
database, add (with an expiry), show, remove and the audited history, and refusals that say why."""

import argparse
import datetime as dt

import pytest

from fraud_rules.lists_cli import duration, main, moment
from fraudcore.decision_log import connect
from fraudcore.decision_log.list_store import revisions


def test_names_lists_every_list_with_the_field_it_matches(capsys) -> None:
    assert main(["names"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 13
    assert "compromised_cards    card ids, matched against card_id" in lines
    assert "blocked_countries    country codes, matched against country" in lines


def test_durations_and_times_are_read_strictly() -> None:
    assert duration("90s") == dt.timedelta(seconds=90)
    assert duration("2h") == dt.timedelta(hours=2)
    assert duration("1.5d") == dt.timedelta(hours=36)
    assert moment("2026-12-24T00:00:00Z") == dt.datetime(2026, 12, 24, tzinfo=dt.UTC)
    for bad in ("2", "2w", "-1h", "0m"):
        with pytest.raises(argparse.ArgumentTypeError, match="a duration such as"):
            duration(bad)
    with pytest.raises(argparse.ArgumentTypeError, match="time zone"):
        moment("2026-12-24T00:00:00")


def test_an_unknown_list_is_refused_before_the_database(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["add", "blocked_card", "card-1", "--reason", "typo"])
    assert done.value.code == 2
    assert "invalid choice: 'blocked_card'" in capsys.readouterr().err


@pytest.fixture
def database(decision_log_factory, monkeypatch):
    settings = decision_log_factory()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    return settings


@pytest.mark.integration
def test_add_show_remove_and_history(database, capsys) -> None:
    assert main(["add", "blocked_cards", "card-9", "--reason", "ring", "--actor", "ana",
                 "--expires-in", "2h"]) == 0  # fmt: skip
    assert "blocked_cards: card-9 added until 20" in capsys.readouterr().out
    assert main(["add", "blocked_countries", "KP", "--reason", "sanctions"]) == 0
    assert "added until removed (sanctions)" in capsys.readouterr().out
    assert main(["add", "blocked_countries", "kp", "--reason", "typo"]) == 1
    assert "refused: 'kp' is not a country id" in capsys.readouterr().err

    assert main(["show"]) == 0
    shown = capsys.readouterr()
    assert shown.out.splitlines()[0].startswith("blocked_cards card-9  in force until 20")
    assert "hand by ana at" in shown.out
    assert "2 entries; lists revision 2" in shown.err

    assert main(["remove", "blocked_cards", "card-9", "--reason", "cleared", "--actor", "bo"]) == 0
    assert main(["remove", "blocked_cards", "card-9", "--reason", "again"]) == 1
    assert "card-9 is not on blocked_cards" in capsys.readouterr().err
    assert main(["history", "blocked_cards"]) == 0
    trail = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 1)[1] for line in trail] == [
        "ana (rules-admin) added blocked_cards card-9: ring",
        "bo (rules-admin) removed blocked_cards card-9: cleared",
    ]
    with connect(database) as conn:
        assert revisions(conn) == (0, 3)  # the rules untouched


@pytest.mark.integration
def test_the_database_unavailable_is_exit_3(monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert main(["show"]) == 3
    assert "fraud-lists show: database unavailable" in capsys.readouterr().err
