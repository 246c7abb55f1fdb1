"""The model registry: versions with their artifacts, card, training data digest and status
(candidate, challenger, champion, retired), and the append-only history of every change.

- ``contract``: statuses, actions, table names, the rows read back, the errors.
- ``schema``: the registry's own versioned SQL migrations.
- ``store``: the artifact directories on a volume path, written once, verified before use.
- ``reader``: versions, the serving ones, the history.
- ``changes``: register, promote, retire, roll back, record an evaluation (the gate); one
  transaction and history rows each.
- ``watch``: following the serving versions from a running service (LISTEN/NOTIFY and a poll).
- ``loaded``: the champion and challenger loaded in a service (the embedded consumer, the
  scorer), switched when the registry changes; imported by those only (it needs the model).
"""

from fraudcore.model_registry.changes import (
    promote,
    record_evaluation,
    register,
    retire,
    rollback,
)
from fraudcore.model_registry.contract import (
    ArtifactError,
    Evaluation,
    Event,
    GateFailedError,
    ModelVersion,
    RegistryError,
    Status,
    TransitionError,
    UnknownVersionError,
)
from fraudcore.model_registry.reader import (
    evaluations,
    get_version,
    history,
    latest_evaluation,
    list_versions,
    serving,
)
from fraudcore.model_registry.schema import migrate
from fraudcore.model_registry.store import ModelStore

__all__ = [
    "ArtifactError",
    "Evaluation",
    "Event",
    "GateFailedError",
    "ModelStore",
    "ModelVersion",
    "RegistryError",
    "Status",
    "TransitionError",
    "UnknownVersionError",
    "evaluations",
    "get_version",
    "history",
    "latest_evaluation",
    "list_versions",
    "migrate",
    "promote",
    "record_evaluation",
    "register",
    "retire",
    "rollback",
    "serving",
]
