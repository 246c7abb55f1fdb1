"""The live evaluation's decision log section against a real PostgreSQL: decisions written by
the production writer, labels joined by the production label code, figures read back by the
production quality query and set beside the ground truth of the same decisions."""

import datetime as dt

import pandas as pd
import pytest

from fraud_training.live_eval import log_agreement, measure
from fraud_training.live_eval.logged import read_logged, wait_for_labels
from fraudcore.decision_log import DecisionLogWriter, apply_labels, connect

pytestmark = pytest.mark.integration


def _truth(decided_world) -> tuple[pd.DataFrame, dt.date]:
    """The decided payments as ``measure.joined`` shows them: id, score, truth, day index."""
    live = pd.DataFrame({
        "transaction_id": [row.transaction_id for row in decided_world.rows],
        "event_time": [row.event_time for row in decided_world.rows],
        "score": [row.score for row in decided_world.rows],
        "is_fraud": [label.is_fraud for label in decided_world.labels],
    })  # fmt: skip
    start = min(live["event_time"]).date()
    live["day"] = [(t.date() - start).days for t in live["event_time"]]
    return live, start


def _logged(decision_log_factory, decided_world, labels) -> str:
    settings = decision_log_factory()
    with connect(settings) as conn:
        DecisionLogWriter(conn).write(decided_world.rows)
        apply_labels(conn, labels)
    return settings.database_url


def _section(url: str, decided_world, produced: set[str] | None = None) -> dict:
    live, start = _truth(decided_world)
    spans = measure.windows(float(live["day"].max() + 1))
    logged = read_logged(url, start, start + dt.timedelta(days=spans["all"][1]))
    review = decided_world.rows[0].thresholds.review
    ids = set(live["transaction_id"]) if produced is None else produced
    return log_agreement.section(
        logged, live, start=start, windows=spans, review=review, produced=ids
    )


def test_with_every_label_joined_the_log_equals_the_ground_truth(
    decision_log_factory, decided_world
) -> None:
    url = _logged(decision_log_factory, decided_world, decided_world.labels)
    section = _section(url, decided_world)

    assert set(section["windows"]) == {"all", "week 1"}
    for window in [*section["windows"].values(), *section["days"]]:
        log, truth = window["log"], window["truth"]
        assert log["decisions"] == truth["decisions"] > 0
        assert (log["alerts"], log["frauds"], log["caught"]) == (
            truth["alerts"], truth["frauds"], truth["caught"],
        )  # fmt: skip
        assert log["label_coverage"] == 1.0
        for figure in log_agreement.COMPARED:
            assert log[figure] == truth[figure]
            # A day without a fraud has no recall, on either side: no difference to show.
            expected = None if truth[figure] is None else 0.0
            assert window["difference"][figure] == expected
    assert len(section["days"]) == 2
    everything = section["windows"]["all"]["log"]
    assert everything["frauds"] > 0
    assert everything["alerts"] > 0
    assert section["logged"] == {
        "rows": len(decided_world.rows), "distinct_ids": len(decided_world.rows),
        "produced": len(decided_world.rows), "missing": 0, "unexpected": 0,
        "labels": len(decided_world.labels),
    }  # fmt: skip
    (force,) = section["thresholds_in_force"]
    assert force["review"] == section["review_threshold"]
    assert force["rows"] == len(decided_world.rows)
    checks = log_agreement.acceptance(section)
    assert checks[log_agreement.CHECK] == {"value": 0.0, "band": [0.0, 0.02], "ok": True}
    assert checks["logged_equals_produced"]["ok"]


def test_missing_labels_and_payments_show_and_fail_the_checks(
    decision_log_factory, decided_world
) -> None:
    # Fraud labels only (chargebacks come first): every labelled alert is a fraud.
    frauds = [label for label in decided_world.labels if label.is_fraud]
    url = _logged(decision_log_factory, decided_world, frauds)
    produced = {row.transaction_id for row in decided_world.rows} | {"tx-never-logged"}
    section = _section(url, decided_world, produced)

    everything = section["windows"]["all"]
    assert everything["log"]["label_coverage"] == len(frauds) / len(decided_world.rows)
    assert everything["log"]["precision"] == 1.0 > everything["truth"]["precision"]
    assert everything["log"]["recall"] == everything["truth"]["recall"]
    assert section["logged"]["missing"] == 1
    checks = log_agreement.acceptance(section)
    worst = 1.0 - everything["truth"]["precision"]
    assert checks[log_agreement.CHECK]["value"] == pytest.approx(worst)
    assert worst > 0.02
    assert not checks[log_agreement.CHECK]["ok"]
    assert not checks["logged_equals_produced"]["ok"]


def test_waiting_for_labels_stops_when_none_come(decision_log_factory, decided_world) -> None:
    some = decided_world.labels[:10]
    url = _logged(decision_log_factory, decided_world, some)
    assert wait_for_labels(url, expected=10, timeout_s=30, idle_s=5) == 10
    assert wait_for_labels(url, expected=11, timeout_s=30, idle_s=1) == 10
