"""Schema migrations: versioned SQL files applied in order, each once, each in its own
transaction, recorded with a checksum so that an edited migration is refused, not re-run.

Files are ``migrations/NNNN_name.sql``; a migration once released is never edited, a change is a
new file. Concurrent migrators (several pods starting) queue on an advisory lock.

The decision log's set is ``migrate``/``pending``/``migrations``; another schema with a life of its
own (the model registry) carries its own folder, history table and lock, applied by ``apply``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg
from psycopg import sql

from fraudcore.decision_log.contract import MIGRATIONS

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK = 0x6672_6175_645F_6C67  # an arbitrary constant: "fraud_lg" as a 64-bit key


class MigrationError(RuntimeError):
    """The database's history does not fit the migrations this code carries."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    text: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def carried_by(package: str) -> list[Migration]:
    """The migrations in ``package``'s ``migrations`` folder, in version order."""
    found = []
    for entry in resources.files(package).joinpath("migrations").iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration versions must run 1, 2, 3 ... without gaps: {versions}")
    return found


def migrations() -> list[Migration]:
    """The decision log's migrations, in version order."""
    return carried_by("fraudcore.decision_log")


def applied_checksums(conn: psycopg.Connection, history: str) -> dict[int, str]:
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (history,)).fetchone()
    if not (exists and exists[0]):
        return {}
    rows = conn.execute(
        sql.SQL("SELECT version, checksum FROM {}").format(sql.Identifier(history))
    ).fetchall()
    return {int(version): str(checksum) for version, checksum in rows}


def create_history(conn: psycopg.Connection, history: str) -> None:
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY, name text NOT NULL, "
            "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        ).format(sql.Identifier(history))
    )


def _create_history(conn: psycopg.Connection) -> None:
    create_history(conn, MIGRATIONS)


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply the decision log's missing migrations; returns those applied now (none when up to
    date)."""
    return apply(conn, migrations(), MIGRATIONS, _LOCK)


def apply(
    conn: psycopg.Connection, carried: list[Migration], history: str, lock: int
) -> list[Migration]:
    """Apply what of ``carried`` is missing from ``history``, one migrator at a time."""
    applied_now = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
        create_history(conn, history)
        applied = applied_checksums(conn, history)
        known = {migration.version: migration for migration in carried}
        unknown = sorted(set(applied) - set(known))
        if unknown:
            raise MigrationError(
                f"the database has migrations {unknown} that this code does not know: "
                "it was migrated by a newer release"
            )
        for migration in carried:
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} was changed after "
                        "it was applied; write a new migration instead"
                    )
                continue
            with conn.transaction():
                conn.execute(migration.text.encode())
                conn.execute(
                    sql.SQL("INSERT INTO {} (version, name, checksum) VALUES (%s, %s, %s)").format(
                        sql.Identifier(history)
                    ),
                    (migration.version, migration.name, migration.checksum),
                )
            applied_now.append(migration)
    return applied_now


def pending(conn: psycopg.Connection) -> list[Migration]:
    """Migrations not yet applied (a service can refuse to start on an unmigrated database)."""
    applied = applied_checksums(conn, MIGRATIONS)
    return [migration for migration in migrations() if migration.version not in applied]
