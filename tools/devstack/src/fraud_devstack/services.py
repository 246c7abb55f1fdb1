"""Our own services as local processes (tests, benchmarks, ``make dev``): start one with its
environment, wait until it answers its health URL, stop it gracefully or kill it outright."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fraud_devstack import processes


def http_ok(url: str, timeout_s: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - loopback URLs we built
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class ServiceProcess:
    name: str
    module: str  # run as ``python -m <module>``, with this interpreter
    env: dict[str, str]
    workdir: Path
    health_url: str | None = None
    detached: bool = False
    args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    url: str = ""  # base URL, for services that serve HTTP
    metrics_port: int = 0  # for workers that serve /metrics

    @property
    def log_file(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def start(self, timeout_s: float = 60.0) -> ServiceProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = processes.spawn(
            [sys.executable, "-m", self.module, *self.args],
            self.log_file,
            detached=self.detached,
            env=self.env,
        )
        if self.health_url:
            url = self.health_url
            processes.wait_until(
                lambda: http_ok(url), timeout_s=timeout_s, what=self.name, process=self.process
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout_s: float = 20.0) -> int | None:
        """SIGTERM and wait (SIGKILL after ``timeout_s``); returns the exit code."""
        process = self.process
        processes.stop(process, timeout_s=timeout_s)
        return None if process is None else process.returncode

    def kill(self) -> None:
        processes.kill(self.process)

    def wait(self, timeout_s: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout_s)

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def wait_for(
    condition: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 0.1
) -> None:
    """Poll ``condition()`` until true; a clear TimeoutError naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval_s)
    raise TimeoutError(f"{what} not reached within {timeout_s:.0f} s")
