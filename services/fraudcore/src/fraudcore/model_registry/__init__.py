"""The model registry: versions with their artifacts, card, training data digest and status
(candidate, challenger, champion, retired), and the append-only history of every change.

- ``contract``: statuses, actions, table names, the rows read back, the errors.
- ``schema``: the registry's own versioned SQL migrations.
- ``store``: the artifact directories on a volume path, written once, verified before use.
- ``reader``: versions, the serving ones, the history.
- ``changes``: register, promote, retire, roll back; one transaction and history rows each.
- ``watch``: following the serving versions from a running service (LISTEN/NOTIFY and a poll).
- ``serving``: the champion and challenger loaded in a service (the embedded consumer, the
  scorer), switched when the registry changes; imported by those only (it needs the model).
"""

from fraudcore.model_registry.changes import promote, register, retire, rollback
from fraudcore.model_registry.contract import (
    ArtifactError,
    Event,
    ModelVersion,
    RegistryError,
    Status,
    TransitionError,
    UnknownVersionError,
)
from fraudcore.model_registry.reader import get_version, history, list_versions, serving
from fraudcore.model_registry.schema import migrate
from fraudcore.model_registry.store import ModelStore

__all__ = [
    "ArtifactError",
    "Event",
    "ModelStore",
    "ModelVersion",
    "RegistryError",
    "Status",
    "TransitionError",
    "UnknownVersionError",
    "get_version",
    "history",
    "list_versions",
    "migrate",
    "promote",
    "register",
    "retire",
    "rollback",
    "serving",
]
