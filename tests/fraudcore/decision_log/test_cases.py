"""Cases on the real log: verdicts in order, the label that counted and the ones that disagreed
(from any source, in one batch or later), contradiction, the audit trail, search."""

import datetime as dt

import pytest

from fraudcore.decision_log import DecisionLogWriter, LabelStatus, apply_labels, get_decisions
from fraudcore.decision_log.audit import AuditAction, record, trail
from fraudcore.decision_log.cases import CaseKey, Verdict, find_case, read_case, record_verdict
from fraudcore.decision_log.search import SearchField, SearchKey, search
from fraudcore.schemas import Decision, Label, LabelSource

pytestmark = pytest.mark.integration


def _label(tx: str, at: dt.datetime, fraud: bool, analyst: str | None = None) -> Label:
    source = LabelSource.CHARGEBACK if analyst is None else LabelSource.ANALYST
    return Label(transaction_id=tx, is_fraud=fraud, scenario="x" if fraud else "genuine",
                 labelled_at=at, source=source, analyst=analyst)  # fmt: skip


def test_a_case_keeps_its_verdicts_and_every_label_that_disagreed(decision_log, make_row) -> None:
    row = make_row(decision=Decision.REVIEW)
    DecisionLogWriter(decision_log).write([row])
    (case, card) = find_case(decision_log, row.transaction_id)
    assert (case, card) == (CaseKey(row.transaction_id, row.event_time), row.card_id)
    assert find_case(decision_log, "tx-none") is None
    with decision_log.transaction():
        record_verdict(decision_log, case, "ana", Verdict.ESCALATE, "")
        record_verdict(decision_log, case, "bo", Verdict.GENUINE, "regular")
    assert read_case(decision_log, case)["contradicted"] is False  # no label yet

    later = row.event_time + dt.timedelta(hours=1)
    verdict = _label(row.transaction_id, later, fraud=False, analyst="bo")
    (applied,) = apply_labels(decision_log, [verdict])
    assert applied.status is LabelStatus.APPLIED
    chargeback = _label(row.transaction_id, later + dt.timedelta(days=9), fraud=True)
    for _ in range(2):  # redelivered: kept once
        (outcome,) = apply_labels(decision_log, [chargeback])
        assert outcome.status is LabelStatus.ALREADY_APPLIED  # counted once, the first
    found = read_case(decision_log, case)
    assert [(v["analyst"], v["verdict"]) for v in found["verdicts"]] == [
        ("ana", "escalate"), ("bo", "genuine")
    ]  # fmt: skip
    assert [(x["counted"], x["source"], x["is_fraud"]) for x in found["labels"]] == [
        (True, "analyst", False), (False, "chargeback", True)
    ]  # fmt: skip
    assert found["contradicted"] is True
    (logged,) = get_decisions(decision_log, row.transaction_id)
    assert logged.as_json()["label"]["source"] == "analyst"
    assert logged.as_json()["label"]["analyst"] == "bo"


def test_disagreeing_labels_in_one_batch_are_kept_too(decision_log, make_row) -> None:
    row = make_row()
    DecisionLogWriter(decision_log).write([row])
    at = row.event_time + dt.timedelta(days=1)
    first = _label(row.transaction_id, at, fraud=True, analyst="ana")
    same = _label(row.transaction_id, at + dt.timedelta(days=1), fraud=True)
    other = _label(row.transaction_id, at + dt.timedelta(days=2), fraud=False)
    apply_labels(decision_log, [other, first, same])
    labels = read_case(decision_log, CaseKey(row.transaction_id, row.event_time))["labels"]
    assert [(x["counted"], x["source"], x["is_fraud"]) for x in labels] == [
        (True, "analyst", True), (False, "chargeback", False)
    ]  # fmt: skip


def test_a_chargeback_first_then_an_analyst_saying_otherwise_is_a_contradiction(
    decision_log, make_row
) -> None:
    row = make_row()
    DecisionLogWriter(decision_log).write([row])
    case = CaseKey(row.transaction_id, row.event_time)
    apply_labels(decision_log, [_label(row.transaction_id, row.event_time, fraud=True)])
    record_verdict(decision_log, case, "ana", Verdict.GENUINE, "")
    apply_labels(decision_log, [_label(row.transaction_id, row.event_time, False, "ana")])
    found = read_case(decision_log, case)
    assert [x["source"] for x in found["labels"]] == ["chargeback", "analyst"]
    assert found["contradicted"] is True


def test_the_audit_trail_keeps_who_did_what(decision_log) -> None:
    record(decision_log, actor="ana", role="analyst", action=AuditAction.READ_DECISION,
           transaction_id="tx-1")  # fmt: skip
    record(decision_log, actor="vic", role="viewer", action=AuditAction.READ_CASE,
           transaction_id="tx-1", detail={"why": "check"})  # fmt: skip
    events = trail(decision_log, "tx-1")
    assert [(e["actor"], e["role"], e["action"], e["detail"]) for e in events] == [
        ("ana", "analyst", "read_decision", {}), ("vic", "viewer", "read_case", {"why": "check"})
    ]  # fmt: skip
    assert events[0]["at"] <= events[1]["at"]


def test_search_pages_each_decision_once_newest_first(decision_log, make_row) -> None:
    t0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    rows = [
        make_row(transaction_id=f"tx-{i}", event_time=t0 + dt.timedelta(minutes=i),
                 card_id="card-1" if i % 2 else "card-2", merchant_id="merch-1")
        for i in range(6)
    ]  # fmt: skip
    # An id that is both a card's and a merchant's shows once, matched by the first field.
    rows.append(make_row(transaction_id="tx-x", event_time=t0, card_id="same", merchant_id="same"))
    DecisionLogWriter(decision_log).write(rows)
    seen, after = [], None
    while True:
        page = search(decision_log, "merch-1", list(SearchField), limit=4, after=after)
        seen += [item["transaction_id"] for item in page["items"]]
        if page["next"] is None:
            break
        after = SearchKey.parse(page["next"])
    assert seen == [f"tx-{i}" for i in reversed(range(6))]
    both = search(decision_log, "same", list(SearchField))["items"]
    assert [(x["transaction_id"], x["matched"]) for x in both] == [("tx-x", "card")]
    cards = search(decision_log, "card-1", [SearchField.MERCHANT])["items"]
    assert cards == []
