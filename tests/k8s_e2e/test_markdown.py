"""The markdown rendering shows each case's accounting and every check's verdict as the JSON
has them, failures included."""

from __future__ import annotations

import copy
from typing import Any

from fraud_k8se2e import markdown, report


def test_each_case_is_a_row_with_its_accounting(passing_report: dict[str, Any]) -> None:
    passing_report.update(passed=True, problems=[])
    text = markdown.render(passing_report)
    for name in report.CASES:
        row = (
            f"| {name} | 100 | 100 | 100 | 100 (100) | 0 | 0 | 2 | 2 (0) | 0 | 200 | 1.0 | passed |"
        )
        assert row in text
    assert "`helm test`: exit 0, hooks Succeeded, Succeeded: passed" in text
    assert text.startswith("# make k8s-e2e")
    assert text.rstrip().endswith("none")


def test_a_failure_is_shown_as_one(passing_report: dict[str, Any]) -> None:
    broken = copy.deepcopy(passing_report)
    broken["cases"][0].update(scored=99, lost=1, passed=False)
    broken["problems"] = report.problems(broken)
    text = markdown.render(broken)
    assert "| plain | 100 | 100 | 99 | 100 (100) | 1 | 0 |" in text
    assert "| FAILED |" in text
    assert text.startswith("# make k8s-e2e: the platform on a real kubelet\n\nFAILED")
    assert "- case failed: plain: produced 100, scored 99, lost 1, doubled 0, logged 100" in text
    assert "PostgreSQL stopped mid-stream for 16.0 s: consumer not Ready after 6.0 s" in text
