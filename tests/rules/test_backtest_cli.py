"""fraud-rules backtest against the decision log's database: a draft expression, a stored
version and every active rule over a window, as a table and as JSON; a malformed rule refused
with the error pointed at, before anything is read; a window that runs backwards refused."""

import datetime as dt
import json

import pytest

from fraud_rules.cli import main
from fraudcore.decision_log import DecisionLogWriter, DecisionRow, connect
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Timings

pytestmark = pytest.mark.integration
DAY0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
AMOUNT = FEATURE_NAMES.index("amount")


def _row(i: int) -> DecisionRow:
    at = DAY0 + dt.timedelta(hours=i)
    features = [0.0] * len(FEATURE_NAMES)
    features[AMOUNT] = 1_000.0 * i
    return DecisionRow(
        transaction_id=f"tx-{i}", event_time=at, card_id=f"card-{i % 2}", merchant_id="m-1",
        amount=1_000.0 * i, currency="EUR", features=features, score=0.1, model_version="m-1",
        thresholds=Thresholds(review=0.5, block=0.9),
        rules=["R01-IMPOSSIBLE-TRAVEL"] if i == 3 else [], reasons=[],
        decision=Decision.REVIEW if i == 3 else Decision.APPROVE, timings=Timings(),
        source_partition=0, source_offset=i, decided_at=at, country="FR", channel="online",
    )  # fmt: skip


@pytest.fixture
def database(decision_log_factory, monkeypatch):
    settings = decision_log_factory()
    with connect(settings) as conn:
        DecisionLogWriter(conn).write([_row(i) for i in range(8)])
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    return settings


def test_a_draft_is_backtested_as_json_and_as_a_table(database, capsys) -> None:
    assert main(["backtest", "amount >= 5000 and channel == 'online'", "--json"]) == 0
    (figures,) = json.loads(capsys.readouterr().out)["rules"]
    assert (figures["hits"], figures["window"]["decisions"]) == (3, 8)
    assert figures["rule"]["id"] == "DRAFT"
    assert main(["backtest", "amount >= 5000", "--from", "2026-03-02T06:00:00+00:00",
                 "--to", "2026-03-02T07:00:00+00:00"]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(
        "1 decisions from 2026-03-02T06:00:00.000000Z to 2026-03-02T07:00:00.000000Z"
    )
    assert out[3].startswith("| DRAFT v1 | 1 |")


def test_stored_and_active_rules_are_set_beside_what_they_did_live(database, capsys) -> None:
    assert main(["backtest", "--active", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["rules"]
    assert [f["rule"]["id"] for f in figures] == [
        "R01-IMPOSSIBLE-TRAVEL", "R02-CARD-TESTING", "R03-NEW-DEVICE-HIGH-AMOUNT",
        "R04-RISKY-TERMINAL", "R05-KNOWN-COMPROMISED",
    ]  # fmt: skip
    assert figures[0]["live"]["fired"] == 1  # logged; its features here say otherwise
    assert figures[0]["live"]["live_only"] == 1
    assert main(["backtest", "--rule", "R03-NEW-DEVICE-HIGH-AMOUNT", "--json"]) == 0
    (stored,) = json.loads(capsys.readouterr().out)["rules"]
    assert stored["rule"]["version"] == 1
    assert main(["backtest", "--rule", "R99"]) == 1
    assert "no rule R99" in capsys.readouterr().err


def test_bad_rules_and_windows_are_refused_with_the_reason(database, capsys) -> None:
    assert main(["backtest", "amount >= 5000 and chanel == 'online'"]) == 1
    err = capsys.readouterr().err
    assert "line 1, column 20: unknown name 'chanel' (did you mean 'channel'?)" in err
    assert err.rstrip().endswith("^")
    assert main(["backtest", "amount > 1", "--from", "2026-03-03T00:00:00+00:00",
                 "--to", "2026-03-02T00:00:00+00:00"]) == 1  # fmt: skip
    assert "before it starts" in capsys.readouterr().err
    assert main(["backtest"]) == 2
    with pytest.raises(SystemExit):
        main(["backtest", "amount > 1", "--from", "2026-03-03"])  # no time zone
