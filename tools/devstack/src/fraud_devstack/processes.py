"""Starting, waiting for and stopping local server processes."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    # A test run that crashes must not leave brokers behind: the kernel kills the child with it.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn(
    argv: Sequence[str],
    log_file: Path,
    *,
    detached: bool,
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start a server writing to ``log_file`` (as ``user`` if given); attached ones die with this
    process (the parent-death signal is set after the user change, which would clear it)."""
    log = log_file.open("ab")
    try:
        return subprocess.Popen(  # noqa: S603 - argv is built by this package, never from input
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            user=user,
            preexec_fn=None if detached else _die_with_parent,  # noqa: PLW1509 - prctl only
        )
    finally:
        log.close()


def wait_until(
    check: Callable[[], bool], *, timeout_s: float, what: str, process: subprocess.Popen[bytes]
) -> None:
    """Wait until ``check()``; a process that exits or is not ready in time is stopped and an
    error raised, so that a failed start leaves nothing running."""
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{what} exited with code {process.returncode} before it was ready"
                )
            if check():
                return
            time.sleep(0.05)
    except BaseException:
        stop(process)
        raise
    stop(process)
    raise TimeoutError(f"{what} not ready after {timeout_s:.0f} s")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes] | None, *, timeout_s: float = 20.0) -> None:
    """SIGTERM, then SIGKILL if the process has not exited in time."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def kill(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (children first, then theirs)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue  # exited meanwhile
        for task in tasks:
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def kill_tree(process: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL ``process`` and everything below it at once, as a crash of its host would: a
    server's workers outlive a killed parent for a while and may still answer."""
    if process is None or process.poll() is not None:
        return
    below = descendants(process.pid)
    kill(process)
    for pid in below:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
