"""A local ``redis-server`` on loopback with append-only persistence (restarts keep state)."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from fraud_devstack import processes

# How big the append-only file grows before Redis rewrites it (then each time it doubles), as
# the compose file and the Redis chart set it. A rewrite forks Redis (a stall of 1.5-3 ms here)
# and a child writes the whole dataset; the pipeline appends about 4 KB per payment, so Redis's
# default of 64mb rewrote every 10 s at 1,000 tx/s (7 rewrites in 80 s, 1 with this).
AOF_REWRITE_MIN_SIZE = "256mb"


@dataclass
class RedisServer:
    workdir: Path
    port: int = field(default_factory=processes.free_port)
    password: str | None = None
    maxmemory: str = "1gb"
    detached: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    started_in_s: float | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis[bytes]:
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password)

    def _ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def start(self, timeout_s: float = 30.0) -> RedisServer:
        began = time.monotonic()
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is needed (Debian package redis-server; make setup installs it)"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [
            binary,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.workdir),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--auto-aof-rewrite-min-size", AOF_REWRITE_MIN_SIZE,
            "--maxmemory", self.maxmemory,
            "--maxmemory-policy", "noeviction",
            "--daemonize", "no",
        ]  # fmt: skip
        if self.password:
            argv += ["--requirepass", self.password]
        self.process = processes.spawn(argv, self.workdir / "redis.log", detached=self.detached)
        processes.wait_until(
            self._ping, timeout_s=timeout_s, what=f"Redis on port {self.port}", process=self.process
        )
        self.started_in_s = time.monotonic() - began
        return self

    def stop(self) -> None:
        processes.stop(self.process)
        self.process = None

    def kill(self) -> None:
        processes.kill(self.process)
        self.process = None
