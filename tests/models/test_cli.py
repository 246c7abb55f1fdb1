"""``fraud-models`` against a real PostgreSQL and an artifact store on disk: the committed model
registered, promoted and rolled back, every refusal with its exit code and a clear message."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fraud_models.cli import EXIT_FAILED, EXIT_NOT_FOUND, EXIT_REFUSED, main
from fraudcore.model_card import CARD_FILE, ModelCard
from fraudcore.startup import EXIT_INVALID_CONFIGURATION

pytestmark = pytest.mark.integration
COMMITTED_MODEL_DIR = Path(__file__).resolve().parents[2] / "training" / "artifacts"
COMMITTED = ModelCard.load(COMMITTED_MODEL_DIR).model_version


@pytest.fixture
def registry_env(database_factory, tmp_path, monkeypatch) -> Path:
    """DATABASE_URL at a fresh database, MODEL_STORE_DIR at an empty store; migrated."""
    settings = database_factory()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MODEL_STORE_DIR", str(tmp_path / "store"))
    assert main(["migrate"]) == 0
    return tmp_path / "store"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _second_model(tmp_path: Path) -> tuple[Path, str]:
    """The committed model under another version name (another card, same trees)."""
    target = tmp_path / "second"
    shutil.copytree(COMMITTED_MODEL_DIR, target)
    card = json.loads((target / CARD_FILE).read_text())
    card["model_version"] = "xgb-second"
    (target / CARD_FILE).write_text(json.dumps(card, indent=2))
    return target, "xgb-second"


def test_register_list_show_promote_and_rollback(registry_env, tmp_path, capsys) -> None:
    code, out, _ = _run(capsys, "register", str(COMMITTED_MODEL_DIR), "--reason", "first",
                        "--actor", "alice")  # fmt: skip
    assert (code, out) == (0, f"{COMMITTED}: new -> candidate (register by alice)\n")
    second, name = _second_model(tmp_path)
    assert _run(capsys, "register", str(second), "--reason", "retrained")[0] == 0
    code, out, _ = _run(capsys, "register", str(second), "--reason", "again")
    assert (code, out) == (0, f"{name} is registered already, with the same files\n")

    assert _run(capsys, "promote", COMMITTED, "--to", "champion", "--reason", "go live")[0] == 0
    code, out, _ = _run(capsys, "promote", name, "--to", "champion", "--reason", "better",
                        "--actor", "bob")  # fmt: skip
    assert code == 0
    assert out.splitlines() == [f"{COMMITTED}: champion -> retired (promote by bob)",
                                f"{name}: candidate -> champion (promote by bob)"]  # fmt: skip
    code, out, _ = _run(capsys, "rollback", "--reason", "alerts doubled", "--actor", "carol")
    assert code == 0
    assert out.splitlines()[-1] == f"{COMMITTED}: retired -> champion (rollback by carol)"

    code, out, _ = _run(capsys, "list", "--json")
    listed = {v["model_version"]: v["status"] for v in json.loads(out)}
    assert listed == {COMMITTED: "champion", name: "retired"}
    code, out, _ = _run(capsys, "list", "--status", "champion")
    assert out.split()[:2] == [COMMITTED, "champion"]

    code, out, _ = _run(capsys, "show", COMMITTED, "--verify")
    shown = json.loads(out)
    assert code == 0
    assert shown["path"] == str(registry_env / COMMITTED)
    assert shown["data_digest"] == shown["card"]["data"]["sha256"]
    assert [(e["action"], e["to_status"], e["actor"]) for e in shown["history"]] == [
        ("register", "candidate", "alice"), ("promote", "champion", shown["history"][1]["actor"]),
        ("promote", "retired", "bob"), ("rollback", "champion", "carol"),
    ]  # fmt: skip
    assert shown["history"][-1]["reason"] == "alerts doubled"


def test_refusals_have_their_exit_codes_and_say_why(registry_env, tmp_path, capsys) -> None:
    code, _, err = _run(capsys, "promote", "nope", "--to", "champion", "--reason", "x")
    assert (code, err) == (EXIT_NOT_FOUND, "fraud-models promote: no model version 'nope' in "
                                           "the registry\n")  # fmt: skip
    code, _, err = _run(capsys, "rollback", "--reason", "x")
    assert (code, err) == (EXIT_REFUSED, "fraud-models rollback: there is no champion to roll "
                                         "back from\n")  # fmt: skip
    broken = tmp_path / "broken"
    shutil.copytree(COMMITTED_MODEL_DIR, broken)
    (broken / "model.onnx").unlink()
    code, _, err = _run(capsys, "register", str(broken), "--reason", "x")
    assert code == EXIT_REFUSED
    assert "not a servable model" in err
    assert "model.onnx" in err
    assert not (registry_env / COMMITTED).exists()
    with pytest.raises(SystemExit) as usage:
        main(["promote", COMMITTED, "--to", "champion"])  # no --reason
    assert usage.value.code == 2
    assert "--reason" in capsys.readouterr().err

    _run(capsys, "register", str(COMMITTED_MODEL_DIR), "--reason", "first")
    (registry_env / COMMITTED / "model.onnx").write_bytes(b"tampered")
    code, _, err = _run(capsys, "show", COMMITTED, "--verify")
    assert (code, "model.onnx differ" in err) == (EXIT_REFUSED, True)


def test_configuration_and_database_problems(database_factory, monkeypatch, capsys) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    code, _, err = _run(capsys, "list")
    assert code == EXIT_INVALID_CONFIGURATION
    assert "database_url" in err
    monkeypatch.setenv("DATABASE_URL", database_factory().database_url)  # not migrated
    code, _, err = _run(capsys, "list")
    assert code == EXIT_FAILED
    assert "run fraud-models migrate" in err
    monkeypatch.delenv("MODEL_STORE_DIR", raising=False)
    assert main(["migrate"]) == 0
    code, _, err = _run(capsys, "register", str(COMMITTED_MODEL_DIR), "--reason", "x")
    assert (code, "MODEL_STORE_DIR" in err) == (EXIT_REFUSED, True)


def test_the_console_script_runs(registry_env) -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "fraud-models"), "list"],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "no model registered\n"), done.stderr
