"""Rules in the decision log's database: the baseline until the first write, versions whose
text never changes, one active and one shadow version per rule, every change audited with
before and after, all or nothing, and a revision that moves with every change."""

import pytest

from fraudcore.decision_log import connect
from fraudcore.decision_log.rule_store import (
    BASELINE_ACTOR,
    RuleStoreError,
    apply,
    history,
    in_force,
    load,
    revision,
    set_status,
)
from fraudcore.rules import BASELINE_RULES, Action, RuleDefinition, Status

pytestmark = pytest.mark.integration


def rule(rule_id="R05-BIG", version=1, expression="amount > 5000", status=Status.DRAFT, **extra):
    return RuleDefinition(id=rule_id, version=version, expression=expression,
                          action=extra.pop("action", Action.REVIEW), reason="big payments",
                          status=status, **extra)  # fmt: skip


@pytest.fixture
def conn(decision_log_factory):
    with connect(decision_log_factory()) as conn:
        yield conn


def test_the_baseline_holds_until_the_first_write_which_records_it(conn) -> None:
    assert load(conn) == (0, list(BASELINE_RULES))
    changes = apply(conn, [rule()], actor="ana", role="rules-admin")
    assert [c.describe() for c in changes][-1] == "R05-BIG v1: created draft"
    at, stored = load(conn)
    assert at == revision(conn) == 1
    assert {(d.id, d.status) for d in stored} == {
        *((r.id, Status.ACTIVE) for r in BASELINE_RULES),
        ("R05-BIG", Status.DRAFT),
    }
    actors = [(e["actor"], e["detail"]["rule_id"]) for e in history(conn)]
    assert actors == [*((BASELINE_ACTOR, r.id) for r in BASELINE_RULES), ("ana", "R05-BIG")]


def test_promotion_retires_the_version_it_replaces_with_before_and_after(conn) -> None:
    apply(conn, [rule(status=Status.ACTIVE)], actor="ana", role="rules-admin")
    apply(conn, [rule(version=2, expression="amount > 3000", status=Status.SHADOW)],
          actor="ana", role="rules-admin")  # fmt: skip
    assert {(d.version, d.status) for d in in_force(load(conn)[1]) if d.id == "R05-BIG"} == {
        (1, Status.ACTIVE),
        (2, Status.SHADOW),
    }
    changes = set_status(conn, "R05-BIG", 2, Status.ACTIVE, actor="bo", role="rules-admin")
    assert sorted(c.describe() for c in changes) == [
        "R05-BIG v1: active -> retired",
        "R05-BIG v2: shadow -> active",
    ]
    trail = history(conn, "R05-BIG")
    assert [(e["actor"], e["detail"]["version"]) for e in trail][-2:] in (
        [("bo", 1), ("bo", 2)],
        [("bo", 2), ("bo", 1)],
    )
    last = next(e for e in trail if e["actor"] == "bo" and e["detail"]["version"] == 2)
    assert (last["detail"]["before"]["status"], last["detail"]["after"]["status"]) == (
        "shadow",
        "active",
    )
    assert revision(conn) == 3


def test_refused_changes_write_nothing(conn) -> None:
    apply(conn, [rule()], actor="ana", role="rules-admin")
    before = (revision(conn), len(history(conn)))
    with pytest.raises(RuleStoreError, match="already written with another expression"):
        apply(conn, [rule(expression="amount > 1")], actor="ana", role="rules-admin")
    with pytest.raises(RuleStoreError, match=r"R06 version 1: line 1, column 9: expected a value"):
        apply(conn, [rule(status=Status.ACTIVE), rule("R06", expression="amount >> 1")],
              actor="ana", role="rules-admin")  # fmt: skip
    with pytest.raises(RuleStoreError, match="no rule R05-BIG version 9"):
        set_status(conn, "R05-BIG", 9, Status.ACTIVE, actor="ana", role="rules-admin")
    assert (revision(conn), len(history(conn))) == before
    assert [d.status for d in load(conn)[1] if d.id == "R05-BIG"] == [Status.DRAFT]


def test_applying_the_same_file_twice_changes_nothing(conn) -> None:
    assert apply(conn, [rule(status=Status.SHADOW)], actor="ana", role="rules-admin")
    at = revision(conn)
    assert apply(conn, [rule(status=Status.SHADOW)], actor="ana", role="rules-admin") == []
    assert revision(conn) == at


def test_the_baseline_applied_at_revision_0_is_already_in_force(conn) -> None:
    """``fraud-rules apply`` of the unchanged baseline from CI, on a fresh database and again."""
    for _ in range(2):
        assert apply(conn, list(BASELINE_RULES), actor="ci", role="rules-admin") == []
        assert apply(conn, [], actor="ci", role="rules-admin") == []
    assert (revision(conn), history(conn)) == (0, [])
    assert load(conn) == (0, list(BASELINE_RULES))
    # With a change beside it, the baseline is recorded once and the change made to it.
    first = BASELINE_RULES[0]
    retired = first.model_copy(update={"status": Status.RETIRED})
    changes = apply(conn, [*BASELINE_RULES[1:], retired, rule()], actor="ci", role="rules-admin")
    assert [c.describe() for c in changes][-2:] == [
        f"{first.id} v1: active -> retired",
        "R05-BIG v1: created draft",
    ]
    assert revision(conn) == 1
    assert apply(conn, [*BASELINE_RULES[1:], retired, rule()], actor="ci", role="rules-admin") == []
    assert revision(conn) == 1
    assert {d.id for d in in_force(load(conn)[1])} == {r.id for r in BASELINE_RULES[1:]}


def test_a_baseline_rule_changes_status_at_revision_0(conn) -> None:
    first = BASELINE_RULES[0]
    changes = set_status(conn, first.id, 1, Status.RETIRED, actor="bo", role="rules-admin")
    assert changes[-1].describe() == f"{first.id} v1: active -> retired"
    assert first.id not in {d.id for d in in_force(load(conn)[1])}
