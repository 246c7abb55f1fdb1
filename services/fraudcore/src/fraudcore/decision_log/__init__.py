"""The decision log: every decision kept in PostgreSQL, ground truth joined at any delay.

- ``contract``: table and column names, and the row written (the one home of both).
- ``migrator``: versioned SQL migrations, applied once each, checksummed.
- ``partitions``: day partitions of event time, made ahead, dropped after retention.
- ``writer``: batches by COPY into staging, then ``INSERT ... ON CONFLICT DO NOTHING``.
- ``labels``: each label applied once, saying whether it was new.
- ``queue``: the decisions waiting for a human, filtered, paged by keyset.
- ``rule_store`` and ``list_store``: the rules and the lists they read, versioned and audited.
- ``reader`` and ``replay``: a logged decision back, and scored again (``replay`` needs the
  ``model`` extra, so it is not imported here).
"""

from fraudcore.decision_log.connection import connect
from fraudcore.decision_log.contract import ChallengerVerdict, DecisionRow
from fraudcore.decision_log.labels import LabelOutcome, LabelStatus, apply_labels
from fraudcore.decision_log.migrator import migrate
from fraudcore.decision_log.reader import LoggedDecision, get_decisions
from fraudcore.decision_log.writer import DecisionLogWriter

__all__ = [
    "ChallengerVerdict",
    "DecisionLogWriter",
    "DecisionRow",
    "LabelOutcome",
    "LabelStatus",
    "LoggedDecision",
    "apply_labels",
    "connect",
    "get_decisions",
    "migrate",
]
