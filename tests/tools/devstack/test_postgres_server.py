"""The local PostgreSQL server: starts on loopback with a password, keeps what it committed over
a crash, and leaves nothing behind, even when the process that started it is killed."""

import os
import pwd
import subprocess
import sys
import textwrap
import time

import psycopg
import pytest

from fraud_devstack import PostgresServer
from fraud_devstack.postgres_server import remove_data
from fraud_devstack.processes import port_open

pytestmark = pytest.mark.integration


def test_it_answers_with_a_password_only_and_keeps_data_over_a_kill(tmp_path) -> None:
    server = PostgresServer(tmp_path / "pg")
    try:
        server.start()
        with psycopg.connect(server.url, autocommit=True) as conn:
            (user,) = conn.execute("SELECT current_user").fetchone()
            conn.execute("CREATE TABLE kept (id int)")
            conn.execute("INSERT INTO kept VALUES (1), (2)")
            (listen,) = conn.execute("SHOW listen_addresses").fetchone()
        assert (user, listen) == ("fraud", "127.0.0.1")
        wrong = server.url.replace(server.password, "not-the-password")
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(wrong).close()
        if os.geteuid() == 0:  # PostgreSQL refuses root: the cluster is the postgres user's
            owner = (tmp_path / "pg" / "data").resolve().stat().st_uid
            assert pwd.getpwuid(owner).pw_name == "postgres"
        server.kill()  # SIGKILL: crash recovery must replay what was committed
        server.restart()
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT count(*) FROM kept").fetchone() == (2,)
    finally:
        server.remove()
    assert not port_open(server.port)
    assert not (tmp_path / "pg" / "data").exists()


def test_the_server_dies_with_the_process_that_started_it(tmp_path) -> None:
    # A test run killed half-way must not leave a server behind, run as another user or not.
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from fraud_devstack import PostgresServer
        server = PostgresServer(Path({str(tmp_path / "pg")!r})).start()
        print(server.port, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        port = int(parent.stdout.readline())
        assert port_open(port)
        parent.kill()
        parent.wait(timeout=10)
        deadline = time.monotonic() + 30
        while port_open(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not port_open(port)
    finally:
        parent.kill()
        remove_data(tmp_path / "pg")
