"""The overview's decision-log row: live model quality per day of decision and model version.

The dashboard service reads these figures from the log and exports them; with several dashboard
replicas every one exports the same figures, so the panels take the max across instances.
"""

from __future__ import annotations

from typing import Any

from fraud_monitoring import panels
from fraud_monitoring.panels import Query
from fraud_monitoring.promql import gauge
from fraudcore import metrics as m

TITLE = "Decision log: live quality by day of decision"
_LEGEND = "{{day}} {{model_version}}"


def _per_day(spec: m.MetricSpec, what: str) -> Query:
    return Query(gauge(spec, "max", by=m.QUALITY_LABELS), f"{what} {_LEGEND}")


def row() -> tuple[str, list[Any]]:
    return (
        TITLE,
        [
            panels.time_series(
                "Precision and recall at the review threshold",
                "Per day of decision and model version, from the decision log joined with the "
                "labels arrived so far (a decision without its label is unknown, not genuine). "
                "A day's lines move as its labels arrive: frauds after days, genuine after "
                "about a week.",
                [_per_day(m.LOG_PRECISION, "precision"), _per_day(m.LOG_RECALL, "recall")],
                unit="percentunit",
                max_val=1,
            ),
            panels.time_series(
                "Alert rate and label coverage",
                "Per day of decision and model version: the share of decisions scoring at or "
                "above the review threshold in force, and the share whose label has arrived.",
                [
                    _per_day(m.LOG_ALERT_RATE, "alert rate"),
                    _per_day(m.LOG_LABEL_COVERAGE, "labelled"),
                ],
                unit="percentunit",
                max_val=1,
            ),
        ],
    )
