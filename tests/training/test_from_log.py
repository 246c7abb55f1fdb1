"""``fraud-train train --from-decision-log`` on a real PostgreSQL: a log of 52 simulated days
written by the production writer, labels joined by apply_labels as far as they have arrived.

The features logged carry a planted leak (one feature served as the payment's own outcome), so
a model trained on the features as served ranks perfectly, and one trained on an offline replay
could not; the replay is also made to fail if anything calls it."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraud_simulator.dataset import DatasetSpec, generate
from fraud_training import cli, from_log
from fraud_training.lifecycle.history_log import decision_rows
from fraudcore.decision_log import DecisionLogWriter, apply_labels, connect, migrate
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.model import ModelBundle
from fraudcore.model_card import CARD_FILE, ONNX_FILE, ModelCard
from fraudcore.schemas import Label

pytestmark = pytest.mark.integration
COMMITTED_MODEL_DIR = Path(__file__).resolve().parents[2] / "training" / "artifacts"
LEAK = FEATURE_NAMES.index("amount")


def write_log(settings, days: int, customers: int, committed_model_dir) -> tuple[set[str], int]:
    """The world decided by the committed model (features leaked as described above); returns
    the ids whose label has arrived by the last payment and that training takes (those of the
    days whose labels had 8 days to come), and how many decisions were logged."""
    table = generate(DatasetSpec(days=days, customers=customers, seed=5))
    served = replay(table).astype(np.float32)
    served[:, LEAK] = table["is_fraud"].to_numpy(np.float32)
    model = ModelBundle.load(committed_model_dir)
    rows = decision_rows(table, served, model)
    now = table["event_time"].iloc[-1]
    arrived = table[table["label_time"] <= now]
    labels = [
        Label(transaction_id=tx.transaction_id, is_fraud=tx.is_fraud, scenario=tx.scenario,
              labelled_at=tx.label_time.to_pydatetime())
        for tx in arrived.itertuples()
    ]  # fmt: skip
    with connect(settings) as conn:
        migrate(conn)
        DecisionLogWriter(conn).write(rows)
        apply_labels(conn, labels)
    # Training leaves out the last 8 days (their genuine labels are still to come).
    cut = now.normalize() - pd.Timedelta(days=from_log.LABEL_WAIT_DAYS - 1)
    return set(arrived.loc[arrived["event_time"] < cut, "transaction_id"]), len(rows)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # 60 days of a world, replayed and trained on: minutes under load
def test_training_from_the_log_uses_the_features_as_served_and_the_labels_as_joined(
    database_factory, tmp_path, monkeypatch
) -> None:
    settings = database_factory()
    labelled, logged = write_log(settings, 60, 300, COMMITTED_MODEL_DIR)
    assert 0 < len(labelled) < logged  # some labels are still to come: unknown, left out
    monkeypatch.setenv("DATABASE_URL", settings.database_url)

    def no_replay(*_: object) -> None:
        raise AssertionError("training from the log replayed features offline")

    monkeypatch.setattr("fraud_training.world_features.replay", no_replay)
    artifacts, reports = tmp_path / "artifacts", tmp_path / "reports"
    argv = ["train", "--from-decision-log", "--artifacts", str(artifacts),
            "--reports", str(reports)]  # fmt: skip
    assert cli.main(argv) == 0
    card = ModelCard.load(artifacts)
    raw = card.model_dump()
    assert (artifacts / ONNX_FILE).exists()
    assert (artifacts / CARD_FILE).exists()
    assert raw["data"]["rows"] == len(labelled)
    assert raw["data"]["file"].startswith("decision-log-")
    exported = pd.read_parquet(reports / raw["data"]["file"])
    assert set(exported["transaction_id"]) == labelled
    test = raw["metrics"]["test"]["xgboost"]
    assert test["ap"] > 0.99  # learnt from the leak: the features as served
    # The test week holds genuine payments too (the days whose labels have all come).
    assert 0 < test["frauds"] < test["rows"]
    assert test["auc"] > 0.99
    figures = {path.name for path in reports.iterdir()}
    assert {"pr_curve.png", "score_distribution.png", "feature_importance.png"} <= figures


def test_a_log_too_short_or_empty_is_a_clear_error(database_factory, monkeypatch, capsys):
    settings = database_factory()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    with connect(settings) as conn:
        migrate(conn)
    assert cli.main(["train", "--from-decision-log"]) == 1
    assert "holds no labelled decisions" in capsys.readouterr().err


def test_a_changed_feature_cache_key_fails_instead_of_replaying(
    database_factory, tmp_path, monkeypatch
) -> None:
    settings = database_factory()
    write_log(settings, 10, 100, COMMITTED_MODEL_DIR)
    monkeypatch.setattr(from_log, "code_digest", lambda _: "another feature code")
    with pytest.raises(RuntimeError, match="feature cache key changed"):
        from_log.train_from_log(settings, tmp_path / "a", tmp_path / "r")
