"""The label a verdict sends."""

import datetime as dt

from fraud_dashboard.cases import verdict_label
from fraudcore.decision_log.cases import CaseKey, Verdict
from fraudcore.schemas import LabelSource

CASE = CaseKey("tx-1", dt.datetime(2026, 3, 2, tzinfo=dt.UTC))


def test_fraud_and_genuine_become_analyst_labels_and_escalate_none() -> None:
    fraud = verdict_label(CASE, Verdict.FRAUD, "ana")
    genuine = verdict_label(CASE, Verdict.GENUINE, "ana")
    assert fraud is not None
    assert genuine is not None
    assert (fraud.transaction_id, fraud.is_fraud, fraud.source, fraud.analyst) == (
        "tx-1", True, LabelSource.ANALYST, "ana"
    )  # fmt: skip
    assert (genuine.is_fraud, genuine.scenario) == (False, "genuine")
    assert fraud.labelled_at > CASE.event_time
    assert verdict_label(CASE, Verdict.ESCALATE, "ana") is None
