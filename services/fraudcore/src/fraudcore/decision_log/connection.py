"""Connections to the decision log's database."""

from __future__ import annotations

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
