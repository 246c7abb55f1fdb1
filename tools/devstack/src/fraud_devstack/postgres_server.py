"""A local PostgreSQL server on loopback: Debian's binaries, a fresh cluster in a private data
directory, TCP only, password authentication.

PostgreSQL refuses to run as root. Run as root (containers, CI), the cluster belongs to the
unprivileged ``postgres`` system user that Debian's package creates, and its data directory is a
private directory under the system temp dir, because a test's or a worktree's directory is often
not traversable by that user. ``workdir/data`` then links to it, so that ``remove()`` (and a
later ``up``) finds and deletes it.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from fraud_devstack import processes

POSTGRES_BIN = Path(os.environ.get("FRAUD_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SERVICE_USER = "postgres"  # created by Debian's postgresql-common


def _run_as() -> str | None:
    """The user the server runs as: ourselves, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise RuntimeError(
            f"PostgreSQL does not run as root and there is no '{SERVICE_USER}' user to run it "
            "as (Debian's postgresql-15 package creates it; make setup installs it)"
        ) from None
    return SERVICE_USER


def remove_data(workdir: Path) -> None:
    """Delete a cluster's data directory, wherever ``workdir/data`` points."""
    link = workdir / "data"
    if link.is_symlink():
        shutil.rmtree(link.resolve(), ignore_errors=True)
        link.unlink()
    else:
        shutil.rmtree(link, ignore_errors=True)


@dataclass
class PostgresServer:
    workdir: Path
    port: int = field(default_factory=processes.free_port)
    user: str = "fraud"
    database: str = "fraud"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    detached: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    started_in_s: float | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def url_for(self, database: str) -> str:
        return self.url.rsplit("/", 1)[0] + f"/{database}"

    def _binary(self, name: str) -> str:
        path = POSTGRES_BIN / name
        if not path.is_file():
            raise RuntimeError(
                f"{path} is needed (Debian package postgresql-15; make setup installs it)"
            )
        return str(path)

    def _data_dir(self, run_as: str | None) -> Path:
        remove_data(self.workdir)
        link = self.workdir / "data"
        if run_as is None:
            link.mkdir(mode=0o700)
            return link
        data = Path(tempfile.mkdtemp(prefix="fraud-postgres-"))
        account = pwd.getpwnam(run_as)
        os.chown(data, account.pw_uid, account.pw_gid)
        link.symlink_to(data)
        return data

    def _initdb(self, data: Path, run_as: str | None) -> None:
        # The password file lives inside the data directory: readable by the server user only.
        password_file = data / "initial-password"
        password_file.write_text(self.password)
        if run_as is not None:
            account = pwd.getpwnam(run_as)
            os.chown(password_file, account.pw_uid, account.pw_gid)
        try:
            argv = [
                self._binary("initdb"),
                "--pgdata", str(data / "cluster"),
                "--username", self.user,
                "--pwfile", str(password_file),
                "--auth", "scram-sha-256",
                "--encoding", "UTF8",
                "--locale", "C",
                "--no-sync",  # a throwaway cluster: durability of the files initdb writes is moot
            ]  # fmt: skip
            done = subprocess.run(  # noqa: S603 - argv is built here, never from input
                argv, user=run_as, capture_output=True, check=False, cwd=data
            )
        finally:
            password_file.unlink(missing_ok=True)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.decode(errors='replace')[-2000:]}")

    def _ready(self) -> bool:
        try:
            with psycopg.connect(self.url_for("postgres"), connect_timeout=2):
                return True
        except psycopg.Error:
            return False

    def start(self, timeout_s: float = 60.0) -> PostgresServer:
        """A new cluster with our user and database, then the server."""
        began = time.monotonic()
        run_as = _run_as()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._initdb(self._data_dir(run_as), run_as)
        self._launch(timeout_s)
        with psycopg.connect(self.url_for("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')  # a name of ours, never input
        self.started_in_s = time.monotonic() - began
        return self

    def restart(self, timeout_s: float = 60.0) -> None:
        """The same cluster again, after ``stop()`` or ``kill()``. After a SIGKILL the old
        server's backends outlive it for a moment, holding its shared memory and port, and a new
        server started then exits at once: it is started again until one stays up."""
        self.stop()
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self._launch(max(1.0, deadline - time.monotonic()))
                return
            except RuntimeError:
                if self.process is None or self.process.poll() is None:
                    raise  # still running but never ready: a real failure
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _launch(self, timeout_s: float) -> None:
        data = (self.workdir / "data").resolve()
        argv = [
            self._binary("postgres"),
            "-D", str(data / "cluster"),
            "-c", "listen_addresses=127.0.0.1",
            "-c", f"port={self.port}",
            "-c", "unix_socket_directories=",  # TCP on loopback only: no socket in /var/run
            "-c", "max_connections=200",
            "-c", "fsync=on",  # restarts in tests must show what a real server keeps
        ]  # fmt: skip
        self.process = processes.spawn(
            argv, self.workdir / "postgres.log", detached=self.detached, user=_run_as()
        )
        processes.wait_until(
            self._ready, timeout_s=timeout_s, what=f"PostgreSQL on port {self.port}",
            process=self.process,
        )  # fmt: skip

    def stop(self) -> None:
        """A fast shutdown (SIGTERM is PostgreSQL's "smart" one, which waits for clients)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: open sessions are ended
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                processes.kill(self.process)
        self.process = None

    def kill(self) -> None:
        """A crash: the server and its backends at once (a backend outlives a killed postmaster
        for a moment, and a write sent meanwhile was acknowledged)."""
        processes.kill_tree(self.process)
        self.process = None

    def remove(self) -> None:
        """Stop and delete the cluster's data."""
        self.stop()
        remove_data(self.workdir)
