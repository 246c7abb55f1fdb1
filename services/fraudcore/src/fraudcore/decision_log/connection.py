"""Connections to the decision log's database."""

from __future__ import annotations

import sys
import time

import psycopg
from psycopg import conninfo

from fraudcore.settings import DatabaseSettings

APPLICATION_NAME = "fraud-detection"


def connect(settings: DatabaseSettings, application: str = APPLICATION_NAME) -> psycopg.Connection:
    """An autocommit connection: every module here scopes its own transactions explicitly."""
    options: dict[str, str | int] = {
        "connect_timeout": settings.database_connect_timeout_s,
        "application_name": application,
    }
    if settings.database_password is not None:
        options["password"] = settings.database_password.get_secret_value()
    # Keyword options override the DSN's own, so a Secret's password wins over one in the URL.
    return psycopg.connect(
        conninfo.make_conninfo(settings.database_url, **options), autocommit=True
    )


def connect_waiting(
    settings: DatabaseSettings, application: str, wait_s: float
) -> psycopg.Connection:
    """A one-off started beside its database (compose, a Job) waits up to ``wait_s`` for it to
    accept connections, saying so on stderr."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return connect(settings, application)
        except psycopg.OperationalError as error:
            if time.monotonic() >= deadline:
                raise
            print(f"waiting for the database: {str(error).strip()[:200]}", file=sys.stderr)
            time.sleep(2)
