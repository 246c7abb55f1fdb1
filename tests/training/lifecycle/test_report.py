"""The committed lifecycle run (reports/lifecycle.{json,md}, written by make lifecycle): the
Markdown is what the code renders from the JSON, every acceptance claim holds when judged again
from the figures, and the figures agree with each other and with the plan the code runs."""

import json
from pathlib import Path
from typing import Any

import pytest

from fraud_training.gate import webhook
from fraud_training.gate.gates import GateSettings
from fraud_training.lifecycle import report
from fraud_training.lifecycle.plan import LifecyclePlan

REPORTS = Path(__file__).resolve().parents[3] / "reports"
# Until make lifecycle has run to its end and its report is committed there is nothing to
# check: skipped with the reason shown, never passed.
pytestmark = pytest.mark.skipif(
    not (REPORTS / report.JSON_FILE).is_file(),
    reason="reports/lifecycle.json not measured yet: run make lifecycle and commit its report",
)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPORTS / report.JSON_FILE).read_text())
    return loaded


def test_the_markdown_is_rendered_from_the_json(result: dict[str, Any]) -> None:
    assert (REPORTS / report.MARKDOWN_FILE).read_text() == report.markdown(result)


def test_every_claim_holds_judged_again(result: dict[str, Any]) -> None:
    judged = report.acceptance(result)
    assert judged == result["acceptance"]
    assert all(check["ok"] for check in judged.values()), judged


def test_the_run_is_the_plan_and_the_gates_the_code_has(result: dict[str, Any]) -> None:
    assert result["plan"] == LifecyclePlan().as_json()
    evaluation = result["retrain"]["evaluation"]
    assert evaluation["gates"] == GateSettings().as_json()
    assert evaluation["champion_version"] == result["champion"]["model_version"]
    assert evaluation["model_version"] == result["retrain"]["model_version"]


def test_the_loop_went_in_order_through_the_registry(result: dict[str, Any]) -> None:
    champion, candidate = result["champion"]["model_version"], result["retrain"]["model_version"]
    steps = [
        (e["model_version"], e["action"], e["to_status"]) for e in result["registry"]["history"]
    ]
    assert steps == [
        (champion, "register", "candidate"),
        (champion, "promote", "champion"),
        (candidate, "register", "candidate"),
        (candidate, "evaluate", "candidate"),
        (candidate, "promote", "challenger"),
        (champion, "promote", "retired"),
        (candidate, "promote", "champion"),
    ]
    assert result["registry"]["serving"] == {"champion": candidate}


def test_the_score_drifted_only_in_the_shifted_world(result: dict[str, Any]) -> None:
    drift = result["drift"]
    assert drift["unshifted"]["score_psi_max"] < report.STABLE
    assert drift["shifted"]["score_psi_max"] > drift["psi_major"]
    assert drift["shifted"]["score_share_above_major"] > 0
    assert len(drift["score_psi_by_day"]) == result["plan"]["live_days"]
    # The alerts the receiver got are the ones the gauges fired, and they started the retrain.
    receiver = result["retrain"]["receiver"]
    assert receiver["status"] == 202
    assert receiver["body"]["retrain"] == "retrain started"
    # Named by the receiver's own reading of an Alertmanager payload.
    posted = {"alerts": [{"status": "firing", "labels": a} for a in drift["end"]["firing"]]}
    assert sorted(receiver["body"]["alerts"]) == webhook.firing_drift(posted) != []
    assert result["retrain"]["trigger"] == "alert " + ", ".join(receiver["body"]["alerts"])


def test_the_gate_window_is_after_what_the_candidate_learnt(result: dict[str, Any]) -> None:
    evaluation = result["retrain"]["evaluation"]
    since = evaluation["window"][0][:10]
    assert all(end is None or end <= since
               for end in evaluation["result"]["fitted_until"].values())  # fmt: skip
    # The candidate learnt from shifted payments: its training weeks end after the shift.
    fitted = evaluation["result"]["fitted_until"]["candidate"]
    assert fitted > result["shift_from"]
    result_figures = evaluation["result"]["figures"]
    assert result_figures["frauds"] >= evaluation["gates"]["min_frauds"]
