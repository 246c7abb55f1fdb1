"""A retrain, as the schedule or the drift alert asks for it: ``train --from-decision-log``, the
candidate's drift reference, register, evaluate against the champion, and the challenger when it
passes its gate. It becomes the champion only when ``promote`` is configured; otherwise a person
promotes it after watching it in shadow (``fraud-models compare``, then ``promote``).

The candidate's drift reference is its test week as served: every logged payment of those days
(labelled or not) with the candidate's own scores, the world it will be judged against."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from fraud_training.drift_reference import write_reference
from fraud_training.from_log import train_from_log
from fraud_training.gate.evaluate import Request, evaluate
from fraud_training.gate.gates import GateSettings
from fraud_training.gate.window import default_span, parse_span, read_window
from fraudcore import model_registry as registry
from fraudcore.code_digest import code_digest
from fraudcore.decision_log import connect
from fraudcore.drift import DriftReference
from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.model_registry import ModelStore, Status
from fraudcore.settings import DatabaseSettings

REFERENCE = ("fraud_training.gate.retrain",)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrainPlan:
    trigger: str  # why: "schedule", "alert FraudFeatureDrift", ...
    actor: str
    gates: GateSettings
    days: int = 7  # evaluation window
    label_wait_days: int = 8
    promote: bool = False  # make a passing candidate the champion at once (configured only)


def reference_from_log(conn: psycopg.Connection, model_dir: Path) -> DriftReference:
    """The drift reference of a model trained from the log: its test week as served."""
    model = ModelBundle.load(model_dir)
    extra = model.card.model_extra or {}
    span = parse_span(extra["protocol"]["test"]["assess"])
    served = read_window(conn, span, labelled_only=False)
    scores = model.predict(served.features)
    return DriftReference.of(
        served.features, np.asarray(scores, dtype=np.float64), FEATURE_NAMES,
        model_version=model.version, window=f"test week {span.describe()} as served",
        data_sha256=extra["data"]["sha256"], code_sha256=code_digest(REFERENCE),
    )  # fmt: skip


def retrain(settings: DatabaseSettings, store: ModelStore, plan: RetrainPlan) -> dict[str, Any]:
    """Train, register, evaluate, and set the challenger if the gate passes; a summary."""
    with tempfile.TemporaryDirectory(prefix="fraud-retrain-") as work:
        artifacts, reports = Path(work) / "artifacts", Path(work) / "reports"
        trained = train_from_log(settings, artifacts, reports, plan.label_wait_days)
        version = str(trained["card"]["model_version"])
        with connect(settings, "fraud-retrain") as conn:
            write_reference(artifacts, reference_from_log(conn, artifacts))
            reason = f"retrained from the decision log ({plan.trigger})"
            registry.register(conn, store, artifacts, actor=plan.actor, reason=reason)
            span = default_span(conn, plan.days, plan.label_wait_days)
            request = Request(version, span, plan.gates, plan.actor)
            verdict = evaluate(conn, store, request)
            status = Status.CANDIDATE
            if verdict.passed:
                why = f"passed its gate (evaluation {verdict.evaluation_id}); {plan.trigger}"
                registry.promote(conn, version, Status.CHALLENGER, plan.actor, why)
                status = Status.CHALLENGER
                if plan.promote:
                    registry.promote(conn, version, Status.CHAMPION, plan.actor,
                                     f"{why}; automatic promotion configured")  # fmt: skip
                    status = Status.CHAMPION
    log.info("retrain %s: %s, gate %s, now the %s", plan.trigger, version,
             "passed" if verdict.passed else "failed", status.value)  # fmt: skip
    return {
        "model_version": version,
        "trigger": plan.trigger,
        "training_rows": trained["card"]["protocol"]["training_rows"],
        "test_split": trained["card"]["protocol"]["test"],
        "timings_s": {k: round(v, 1) for k, v in trained["timings"].items()},
        "evaluation": verdict.as_json(),
        "status": status.value,
    }
