"""``fraud-models evaluate`` on a real PostgreSQL: a week decided by the committed model (the
champion) in the decision log, some labels still pending; the same model under another name
passes its gate with a difference of exactly zero, the committed model cut to one tree fails it,
is refused as champion, and goes through only forced, with the override recorded."""

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from fraud_bench.decided_world import decide_world
from fraud_models.cli import EXIT_GATE_FAILED, EXIT_REFUSED, main
from fraud_simulator.dataset import DatasetSpec
from fraudcore.decision_log import DecisionLogWriter, apply_labels, connect
from fraudcore.decision_log import migrate as migrate_log
from fraudcore.model import ModelBundle
from fraudcore.model_card import CARD_FILE, ModelCard
from fraudcore.schemas import Decision
from fraudcore.settings import DatabaseSettings

pytestmark = pytest.mark.integration
COMMITTED_MODEL_DIR = Path(__file__).resolve().parents[2] / "training" / "artifacts"
COMMITTED = ModelCard.load(COMMITTED_MODEL_DIR).model_version
START = dt.date(2026, 3, 2)  # the committed model was fitted on payments up to 2026-02-21
WINDOW = "2026-03-02..2026-03-06"
LABELS_BY = dt.datetime(2026, 3, 12, tzinfo=dt.UTC)  # later labels: still pending


@pytest.fixture(scope="module")
def decided():
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    spec = DatasetSpec(days=5, customers=1_500, seed=11, start=START)
    return decide_world(model, spec, dt.datetime(2026, 3, 7, tzinfo=dt.UTC))


@pytest.fixture
def registry(database_factory, decided, tmp_path, monkeypatch, weak_committed_dir, capsys):
    """The log written and partly labelled, the committed model the champion, two candidates."""
    settings: DatabaseSettings = database_factory()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MODEL_STORE_DIR", str(tmp_path / "store"))
    with connect(settings) as conn:
        migrate_log(conn)
        DecisionLogWriter(conn).write(decided.rows)
        apply_labels(conn, [label for label in decided.labels if label.labelled_at <= LABELS_BY])
    same = tmp_path / "same"
    shutil.copytree(COMMITTED_MODEL_DIR, same)
    card = json.loads((same / CARD_FILE).read_text())
    (same / CARD_FILE).write_text(json.dumps({**card, "model_version": "xgb-same"}))
    assert main(["migrate"]) == 0
    for source in (COMMITTED_MODEL_DIR, same, weak_committed_dir):
        assert main(["register", str(source), "--reason", "test", "--actor", "t"]) == 0
    assert main(["promote", COMMITTED, "--to", "champion", "--reason", "go", "--actor", "t"]) == 0
    capsys.readouterr()
    return settings


def _evaluate(capsys, version: str, window: str = WINDOW) -> tuple[int, dict, str]:
    code = main(["evaluate", version, "--window", window, "--replicates", "200", "--json",
                 "--actor", "gate"])  # fmt: skip
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else {}), err


def test_the_same_model_passes_with_a_difference_of_zero(registry, decided, capsys) -> None:
    code, verdict, _ = _evaluate(capsys, "xgb-same")
    assert code == 0
    assert verdict["passed"]
    result = verdict["result"]
    labelled = [label for label in decided.labels if label.labelled_at <= LABELS_BY]
    assert result["labelled"] == len(labelled)
    assert result["pending"] == len(decided.labels) - len(labelled) > 0
    assert result["served_by"] == {COMMITTED: len(labelled)}
    ids = {label.transaction_id for label in labelled}
    alerts = sum(
        r.decision is not Decision.APPROVE for r in decided.rows if r.transaction_id in ids
    )
    figures = result["figures"]
    assert figures["review_budget"] == alerts
    assert figures["frauds"] == sum(label.is_fraud for label in labelled) >= 30
    for key, diff in figures["difference"].items():
        assert (diff["value"], diff["low"], diff["high"]) == (0.0, 0.0, 0.0), key
    assert figures["candidate"]["ap"] == figures["champion"]["ap"]
    assert 0 < figures["champion"]["ap"]["low"] < figures["champion"]["ap"]["value"]
    assert any(key.startswith("recall_at_budget:") for key in figures["candidate"])
    assert all(gate["passed"] for gate in result["gates"].values())
    assert result["fitted_until"] == {"champion": "2026-02-22", "candidate": "2026-02-22"}


def test_a_worse_model_fails_and_is_promoted_only_forced(registry, capsys) -> None:
    code, verdict, _ = _evaluate(capsys, "xgb-weak")
    assert code == EXIT_GATE_FAILED
    assert not verdict["passed"]
    gates = verdict["result"]["gates"]
    assert not gates["ap"]["passed"]
    assert gates["ap"]["measured"] < -0.05
    code = main(["promote", "xgb-weak", "--to", "champion", "--reason", "try", "--actor", "bob"])
    assert code == EXIT_REFUSED
    assert "failed its gate" in capsys.readouterr().err
    code = main(["promote", "xgb-weak", "--to", "champion", "--reason", "holiday week",
                 "--actor", "bob", "--force"])  # fmt: skip
    assert code == 0
    capsys.readouterr()
    assert main(["show", "xgb-weak"]) == 0
    shown = json.loads(capsys.readouterr().out)
    promoted = shown["history"][-1]
    assert (promoted["to_status"], promoted["actor"], promoted["reason"]) == (
        "champion",
        "bob",
        "holiday week",
    )
    assert promoted["overrode_evaluation"] == verdict["evaluation_id"]
    assert [e["passed"] for e in shown["evaluations"]] == [False]
    assert [e["action"] for e in shown["history"]] == ["register", "evaluate", "promote"]


def test_windows_that_cannot_be_judged_are_refused(registry, capsys) -> None:
    code, _, err = _evaluate(capsys, "xgb-same", "2026-02-16..2026-02-22")
    assert code == EXIT_REFUSED
    assert "starts before the champion" in err
    assert "training data ends (2026-02-22)" in err
    code, _, err = _evaluate(capsys, "xgb-same", "2026-04-01..2026-04-07")
    assert (code, "no labelled payment" in err) == (EXIT_REFUSED, True)
    code, _, err = _evaluate(capsys, "xgb-same", "2026-03-07..2026-03-01")
    assert (code, "TO on or after FROM" in err) == (EXIT_REFUSED, True)
    code, _, err = _evaluate(capsys, COMMITTED)
    assert (code, "is the champion already" in err) == (EXIT_REFUSED, True)


def test_a_retrain_on_an_empty_log_says_why_and_registers_nothing(
    database_factory, tmp_path, monkeypatch, capsys
) -> None:
    settings = database_factory()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MODEL_STORE_DIR", str(tmp_path / "store"))
    with connect(settings) as conn:
        migrate_log(conn)
    assert main(["migrate"]) == 0
    assert main(["retrain", "--actor", "cron"]) == EXIT_REFUSED
    assert "the decision log holds no labelled decisions" in capsys.readouterr().err
    assert main(["list"]) == 0
    assert "no model registered" in capsys.readouterr().out
