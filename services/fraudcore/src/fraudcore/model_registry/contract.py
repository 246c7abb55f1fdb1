"""The registry's vocabulary: statuses, actions, table names, and the rows read back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

VERSIONS = "model_versions"
EVENTS = "model_events"
EVALUATIONS = "model_evaluations"
MIGRATIONS = "model_registry_migrations"
LOCK = 0x6672_6175_645F_6D72  # "fraud_mr": status changes are made one at a time
NOTIFY_CHANNEL = "model_registry"  # pg_notify on every change: serving can listen, not poll


class Status(StrEnum):
    CANDIDATE = "candidate"  # registered, not serving
    CHALLENGER = "challenger"  # scored in shadow beside the champion, never acted on
    CHAMPION = "champion"  # the model whose decisions are acted on
    RETIRED = "retired"  # served once, not any more


class Action(StrEnum):
    REGISTER = "register"
    PROMOTE = "promote"
    ROLLBACK = "rollback"
    RETIRE = "retire"
    EVALUATE = "evaluate"  # no status change: the gate's verdict in the history


@dataclass(frozen=True)
class ModelVersion:
    model_version: str
    status: Status
    artifacts: dict[str, str]  # file name -> sha256
    card: dict[str, Any]
    data_digest: str
    registered_at: dt.datetime
    status_changed_at: dt.datetime

    def as_json(self, *, with_card: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model_version": self.model_version,
            "status": self.status.value,
            "data_digest": self.data_digest,
            "registered_at": self.registered_at.isoformat(),
            "status_changed_at": self.status_changed_at.isoformat(),
            "artifacts": self.artifacts,
        }
        if with_card:
            out["card"] = self.card
        return out


@dataclass(frozen=True)
class Event:
    event_id: int
    change_id: str
    model_version: str
    action: Action
    from_status: Status | None
    to_status: Status
    actor: str
    reason: str
    at: dt.datetime
    overrode_evaluation: int | None = None  # a promotion past this failed evaluation

    def as_json(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "change_id": self.change_id,
            "model_version": self.model_version,
            "action": self.action.value,
            "from_status": None if self.from_status is None else self.from_status.value,
            "to_status": self.to_status.value,
            "actor": self.actor,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "overrode_evaluation": self.overrode_evaluation,
        }


@dataclass(frozen=True)
class Evaluation:
    """One gate verdict: a version against the champion on a window of the decision log."""

    evaluation_id: int
    model_version: str
    champion_version: str
    window_from: dt.datetime
    window_to: dt.datetime
    passed: bool
    gates: dict[str, Any]
    result: dict[str, Any]
    actor: str
    at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "evaluation_id": self.evaluation_id,
            "model_version": self.model_version,
            "champion_version": self.champion_version,
            "window": [self.window_from.isoformat(), self.window_to.isoformat()],
            "passed": self.passed,
            "gates": self.gates,
            "result": self.result,
            "actor": self.actor,
            "at": self.at.isoformat(),
        }


class RegistryError(RuntimeError):
    """A registry operation refused, with a message meant for the person who asked."""


class UnknownVersionError(RegistryError):
    """No such model version in the registry."""


class TransitionError(RegistryError):
    """The status change asked for is not allowed from the registry's current state."""


class GateFailedError(TransitionError):
    """The version's latest evaluation failed its gate: promoting it needs --force."""


class ArtifactError(RegistryError):
    """Artifacts missing, unreadable, or not the files that were registered."""
