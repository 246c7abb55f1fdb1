"""Kept connections to the decision log on a real PostgreSQL: reused while idle, at most a few
kept, a dead one replaced for a read and never retried for a write."""

import psycopg
import pytest

from fraud_dashboard.log_connections import LogConnections

pytestmark = pytest.mark.integration


def _backend(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def test_idle_connections_are_reused_and_a_dead_one_replaced_for_reads_only(
    database_factory,
) -> None:
    settings = database_factory()
    connections = LogConnections(settings, keep=1)
    first = connections.run(_backend)
    assert connections.run(_backend) == first  # kept between calls

    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    replaced = connections.run(_backend)  # the dead kept one: retried on a new connection
    assert replaced != first

    with psycopg.connect(settings.database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (replaced,))
    with pytest.raises(psycopg.OperationalError):
        connections.run(_backend, retry=False)  # a write may have committed: never twice
    assert connections.run(_backend) not in (first, replaced)

    def fails(conn: psycopg.Connection) -> None:
        conn.execute("SELECT 1/0")

    with pytest.raises(psycopg.errors.DivisionByZero):
        connections.run(fails)
    connections.close()
