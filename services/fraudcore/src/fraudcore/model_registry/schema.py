"""The registry's own migration set: its tables live beside the decision log's in one database
but are numbered, recorded and locked apart, so neither schema waits on the other's numbering."""

from __future__ import annotations

import psycopg

from fraudcore.decision_log.migrator import Migration, applied_checksums, apply, carried_by
from fraudcore.model_registry.contract import LOCK, MIGRATIONS


def migrations() -> list[Migration]:
    return carried_by("fraudcore.model_registry")


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply the registry's missing migrations; returns those applied now."""
    return apply(conn, migrations(), MIGRATIONS, LOCK)


def pending(conn: psycopg.Connection) -> list[Migration]:
    applied = applied_checksums(conn, MIGRATIONS)
    return [migration for migration in migrations() if migration.version not in applied]
