"""When a case counts as contradicted: another source's label says otherwise than a verdict."""

import pytest

from fraudcore.decision_log.cases import Verdict, contradicted


def _v(verdict: str) -> dict[str, str]:
    return {"verdict": verdict}


def _l(source: str, fraud: bool) -> dict[str, object]:
    return {"source": source, "is_fraud": fraud}


@pytest.mark.parametrize(
    ("verdicts", "labels", "expected"),
    [
        ([_v("fraud")], [_l("analyst", True), _l("chargeback", False)], True),
        ([_v("genuine")], [_l("chargeback", True)], True),
        ([_v("fraud")], [_l("chargeback", True)], False),
        ([_v("escalate")], [_l("chargeback", True)], False),  # escalating says nothing
        ([_v("fraud")], [_l("analyst", False)], False),  # analysts disagreeing: no chargeback
        ([], [_l("chargeback", True)], False),
        ([_v("fraud"), _v("genuine")], [_l("chargeback", True)], True),
    ],
)
def test_contradicted(verdicts, labels, expected) -> None:
    assert contradicted(verdicts, labels) is expected


def test_only_fraud_and_genuine_send_a_label() -> None:
    assert [v.is_fraud for v in Verdict] == [True, False, None]
