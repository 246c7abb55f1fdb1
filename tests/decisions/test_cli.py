"""``fraud-decisions`` against a real PostgreSQL: migrate, get, and replay with the committed
model (scores reproduced to 1e-6) or another one (how it would have decided)."""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fraud_decisions.cli import main
from fraud_devstack import PostgresServer, free_port
from fraudcore.decision_log import DecisionLogWriter, apply_labels, connect
from fraudcore.decision_log.partitions import existing_days
from fraudcore.decision_log.reader import sample_decisions
from fraudcore.decision_log.replay import TOLERANCE, replay
from fraudcore.model import ModelBundle
from fraudcore.schemas import Decision

pytestmark = pytest.mark.integration
COMMITTED_MODEL_DIR = Path(__file__).resolve().parents[2] / "training" / "artifacts"


@pytest.fixture
def logged_world(database_factory, decided_world, monkeypatch):
    """The decided world written to a freshly migrated log; DATABASE_URL points at it."""
    settings = database_factory()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.delenv("MODEL_DIR", raising=False)
    assert main(["migrate"]) == 0
    with connect(settings) as conn:
        DecisionLogWriter(conn).write(decided_world.rows)
    return settings


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_migrate_twice_says_up_to_date(logged_world, capsys) -> None:
    assert _run(capsys, "migrate") == (0, "up to date\n", "")


def test_migrate_with_the_model_registry_applies_its_own_set_once(logged_world, capsys) -> None:
    code, out, _ = _run(capsys, "migrate", "--model-registry")
    assert code == 0
    assert out.splitlines()[0] == "up to date"
    assert "model registry: applied 0001_model_registry" in out.splitlines()
    with connect(logged_world) as conn:
        assert conn.execute("SELECT count(*) FROM model_versions").fetchone() == (0,)
    again = _run(capsys, "migrate", "--model-registry")
    assert again == (0, "up to date\nmodel registry: up to date\n", "")


def test_get_prints_the_logged_decision(logged_world, decided_world, capsys) -> None:
    flagged = next(r for r in decided_world.rows if r.decision is not Decision.APPROVE)
    code, out, _ = _run(capsys, "get", flagged.transaction_id)
    assert code == 0
    logged = json.loads(out)
    assert logged["transaction_id"] == flagged.transaction_id
    assert logged["decision"] == flagged.decision.value
    assert logged["reasons"] == list(flagged.reasons)
    assert logged["reasons"]
    assert logged["score"] == pytest.approx(flagged.score, abs=1e-12)
    assert logged["model_version"] == ModelBundle.load(COMMITTED_MODEL_DIR).version
    assert code == 0
    assert logged["label"] is None


def test_get_of_an_unknown_id_says_so(logged_world, capsys) -> None:
    assert _run(capsys, "get", "tx-nowhere") == (1, "", "no decision logged for tx-nowhere\n")


def test_replay_with_the_deciding_model_reproduces_the_score(
    logged_world, decided_world, capsys
) -> None:
    row = decided_world.rows[7]
    code, out, err = _run(
        capsys, "replay", row.transaction_id, "--model-dir", str(COMMITTED_MODEL_DIR)
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["same_model"] is True
    assert result["reproduced"] is True
    assert abs(result["score_delta"]) <= TOLERANCE
    assert result["decision_changed"] is False


def test_replay_reproduces_a_sample_of_a_thousand_logged_scores(
    logged_world, decided_world, capsys
) -> None:
    # The acceptance check as an operator runs it: the command, on 1,000 decisions drawn at
    # random from those the committed model took (scored by the production scoring code).
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    assert len(decided_world.rows) > 1_000
    code, out, err = _run(
        capsys, "replay", "--sample", "1000", "--model-dir", str(COMMITTED_MODEL_DIR)
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["model_version"] == model.version
    assert summary["sampled"] == summary["reproduced"] == 1_000
    assert summary["max_abs_score_delta"] <= TOLERANCE
    assert summary["decisions_changed"] == 0
    with connect(logged_world) as conn:  # and the sample spans approvals and alerts
        sample = sample_decisions(conn, model.version, 1_000)
    assert len({entry.transaction_id for entry in sample}) == 1_000
    assert {entry.decision for entry in sample} >= {Decision.APPROVE, Decision.REVIEW}
    assert max(abs(replay(entry, model).score_delta) for entry in sample) <= TOLERANCE


def test_a_sample_with_a_score_not_reproduced_fails(logged_world, decided_world, capsys) -> None:
    tampered = decided_world.rows[42].transaction_id
    with connect(logged_world) as conn:
        conn.execute(
            "UPDATE decisions SET score = score + 1e-5 WHERE transaction_id = %s", (tampered,)
        )
    everything = str(len(decided_world.rows))
    code, out, err = _run(
        capsys, "replay", "--sample", everything, "--model-dir", str(COMMITTED_MODEL_DIR)
    )
    assert code == 1
    summary = json.loads(out)
    assert summary["sampled"] - summary["reproduced"] == 1
    assert summary["worst_transaction_id"] == tampered
    assert err == "1 logged scores not reproduced\n"
    with pytest.raises(SystemExit) as refused:
        main(["replay", "--sample", "0"])
    assert refused.value.code == 2
    assert "0 is not a positive count" in capsys.readouterr().err


def test_replay_with_another_model_shows_how_it_would_have_decided(
    logged_world, decided_world, model_dir, capsys
) -> None:
    # The session's small test model, trained on another week: other scores, other thresholds.
    other = ModelBundle.load(model_dir)
    flagged = [r for r in decided_world.rows if r.decision is not Decision.APPROVE][:20]
    outputs = []
    for row in flagged:
        code, out, err = _run(capsys, "replay", row.transaction_id, "--model-dir", str(model_dir))
        assert code == 0, err
        outputs.append(json.loads(out))
    assert all(o["same_model"] is False and o["reproduced"] is None for o in outputs)
    assert {o["replayed"]["model_version"] for o in outputs} == {other.version}
    assert all(o["replayed"]["thresholds"] == {"review": 0.2, "block": 0.8} for o in outputs)
    assert any(abs(o["score_delta"]) > 1e-3 for o in outputs)
    for o in outputs:
        changed = o["replayed"]["decision"] != o["logged"]["decision"]
        assert o["decision_changed"] is changed


def test_replay_that_does_not_reproduce_fails(logged_world, decided_world, capsys) -> None:
    row = decided_world.rows[3]
    with connect(logged_world) as conn:
        conn.execute(
            "UPDATE decisions SET score = score + 0.001 WHERE transaction_id = %s",
            (row.transaction_id,),
        )
    code, out, err = _run(
        capsys, "replay", row.transaction_id, "--model-dir", str(COMMITTED_MODEL_DIR)
    )
    assert code == 1
    assert json.loads(out)["reproduced"] is False
    assert "did not reproduce" in err


def test_replay_takes_model_dir_from_the_environment_or_asks_for_it(
    logged_world, decided_world, capsys, monkeypatch
) -> None:
    row = decided_world.rows[0]
    code, _, err = _run(capsys, "replay", row.transaction_id)
    assert (code, err) == (2, "replay needs a model: pass --model-dir or set MODEL_DIR\n")
    monkeypatch.setenv("MODEL_DIR", str(COMMITTED_MODEL_DIR))
    code, out, _ = _run(capsys, "replay", row.transaction_id)
    assert code == 0
    assert json.loads(out)["reproduced"] is True


def test_get_shows_a_label_joined_weeks_later(logged_world, decided_world, capsys) -> None:
    row, label = decided_world.rows[11], decided_world.labels[11]
    with connect(logged_world) as conn:
        apply_labels(conn, [label])
    code, out, _ = _run(capsys, "get", row.transaction_id)
    assert code == 0
    assert json.loads(out)["label"]["is_fraud"] is label.is_fraud


def test_maintain_counts_from_the_logs_newest_day_not_the_wall(
    logged_world, decided_world, capsys
) -> None:
    newest = max(row.event_time for row in decided_world.rows).astimezone(dt.UTC).date()
    code, out, _ = _run(capsys, "maintain")
    assert code == 0
    assert f"today is {newest} (log clock)" in out
    assert "dropped 0" in out  # a world's days, however far from the wall, stay while retained
    with connect(logged_world) as conn:
        assert existing_days(conn)[-3:] == [newest + dt.timedelta(days=i) for i in (1, 2, 3)]
    # An explicit time is obeyed: 400 days on, every logged day is past the retention.
    far = f"{newest + dt.timedelta(days=400)}T00:00:00Z"
    assert _run(capsys, "maintain", "--now", far)[0] == 0
    with connect(logged_world) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone() == (0,)


def test_maintain_deletes_case_history_past_its_retention_only_when_set(
    logged_world, capsys, monkeypatch
) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=500)
    with connect(logged_world) as conn:
        conn.execute(
            "INSERT INTO audit_events (at, actor, role, action) "
            "VALUES (%s, 'ana', 'analyst', 'read_case')",
            (old,),
        )
    code, out, _ = _run(capsys, "maintain")
    assert (code, "case history" in out) == (0, False)  # unset: kept for good
    monkeypatch.setenv("CASE_RETENTION_DAYS", "400")
    code, out, _ = _run(capsys, "maintain")
    assert code == 0
    assert out.splitlines()[0].endswith(
        "deleted: 0 from case_verdicts, 0 from label_disagreements, 1 from audit_events"
    )
    with connect(logged_world) as conn:
        actions = [a for (a,) in conn.execute("SELECT action FROM audit_events").fetchall()]
    assert actions == ["retention"]
    monkeypatch.setenv("CASE_RETENTION_DAYS", "90")  # shorter than the decisions' 180 days
    code, _, err = _run(capsys, "maintain")
    assert code == 2
    assert "CASE_RETENTION_DAYS (90) is shorter than DECISION_LOG_RETENTION_DAYS (180)" in err


def test_the_clock_flag_wins_over_the_setting(logged_world, capsys, monkeypatch) -> None:
    monkeypatch.setenv("DECISION_LOG_CLOCK", "wall")
    code, out, _ = _run(capsys, "maintain", "--clock", "log")
    assert (code, "(log clock)" in out) == (0, True)
    code, out, _ = _run(capsys, "maintain")
    assert (code, f"today is {dt.datetime.now(dt.UTC).date()} (wall clock)" in out) == (0, True)
    monkeypatch.setenv("DECISION_LOG_CLOCK", "world")
    assert _run(capsys, "maintain")[0] == 2  # not a clock maintain knows: a clear error


def test_bad_configuration_and_unreachable_databases_are_clear_errors(capsys, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    code, _, err = _run(capsys, "get", "tx-1")
    assert code == 2
    assert "DATABASE_URL" in err.upper()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://fraud@127.0.0.1:{free_port()}/fraud")
    code, _, err = _run(capsys, "get", "tx-1")
    assert code == 3
    assert err.startswith("fraud-decisions get: ")


def test_the_console_script_is_installed(logged_world, decided_world) -> None:
    script = Path(sys.executable).parent / "fraud-decisions"
    row = decided_world.rows[0]
    done = subprocess.run(
        [str(script), "get", row.transaction_id], capture_output=True, text=True, check=False,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["transaction_id"] == row.transaction_id


def test_migrate_waits_for_a_database_that_is_still_starting(tmp_path) -> None:
    server = PostgresServer(tmp_path / "postgres")
    script = Path(sys.executable).parent / "fraud-decisions"
    env = {**os.environ, "DATABASE_URL": server.url}
    waiting = subprocess.Popen(
        [str(script), "migrate", "--wait-s", "120"], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert waiting.stderr is not None
        # Nothing listens yet: it says it waits, instead of failing.
        assert "waiting for the database" in waiting.stderr.readline()
        time.sleep(3)
        assert waiting.poll() is None
        server.start()
        out, err = waiting.communicate(timeout=90)
        assert waiting.returncode == 0, err
        assert "applied 0001_decision_log" in out
    finally:
        waiting.kill()
        server.remove()
