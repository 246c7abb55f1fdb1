"""The warm start as ``make dev``, its test and ``make live-eval`` run it: the world's history
exported once per world and code version (``fraud-producer history``, cached), then loaded into
Redis by ``fraud-consumer backfill`` (which caches its replayed state beside it). Compose and the
charts run the same two commands in init containers."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_devstack.kafka_broker import cache_dir
from fraud_devstack.services import ServiceProcess
from fraudcore.clock import marker_ttl_s
from fraudcore.code_digest import code_digest

HISTORY_VERSION = "history-v1"
HISTORY_CODE = ("fraud_producer.history",)  # the export and everything it runs
# One thread at a time: two warm starts of one world export its history once, and CPython 3.11's
# AST constructor (code_digest) fails when two threads parse at once (python/cpython#106905).
_HISTORY_LOCK = threading.Lock()
DEV_SPEED = 175.0  # simulated seconds per real second: about 50 payments a second (README)
DEV_HISTORY_DAYS = 56  # the model card's test week starts after 56 days of history


@dataclass(frozen=True)
class World:
    seed: int = 42
    customers: int = 10_000
    history_days: int = DEV_HISTORY_DAYS
    speed: float = DEV_SPEED

    def env(self, decision_log: bool = False) -> dict[str, str]:
        """Settings of the producer's world and of the Redis markers that labels find their
        payments by, which must outlive the labels' delays at this speed. With a decision log
        the consumer's live decisions need no such markers (it finds them in the log at any
        delay): only the backfill's history payments do (``load_warm_start``)."""
        env = {
            "PRODUCER_PACE": "world",
            "PRODUCER_SEED": str(self.seed),
            "PRODUCER_CUSTOMERS": str(self.customers),
            "PRODUCER_HISTORY_DAYS": str(self.history_days),
            "PRODUCER_SPEED": f"{self.speed:g}",
        }
        if not decision_log:
            env["RESULT_TTL_S"] = str(marker_ttl_s(self.speed))
        return env


def history_file(world: World, cache: Path | None = None) -> Path:
    key = f"{world.seed}:{world.customers}:{world.history_days}:"
    key += code_digest(HISTORY_CODE)  # a new simulator is a new world
    name = hashlib.sha256(key.encode()).hexdigest()[:24]
    return (cache or cache_dir()) / HISTORY_VERSION / f"{name}.jsonl.gz"


def _finish(process: ServiceProcess, timeout_s: float) -> str:
    code = process.wait(timeout_s)
    if code != 0:
        raise RuntimeError(f"{process.name} exited with {code}:\n{process.log()[-3000:]}")
    return process.log().strip().splitlines()[-1]


def ensure_history(
    world: World, env: dict[str, str], logs: Path, cache: Path | None = None
) -> Path:
    """The history export for ``world``, written once into the cache."""
    with _HISTORY_LOCK:
        path = history_file(world, cache)
        if not path.exists():
            args = ["history", "--out", str(path)]
            command = ServiceProcess(
                "history", "fraud_producer.cli", {**env, **world.env()}, logs, args=args
            )
            _finish(command.start(), 3_600)
        return path


def load_warm_start(
    world: World, env: dict[str, str], logs: Path, cache: Path | None = None
) -> dict[str, Any]:
    """History export, then ``fraud-consumer backfill`` into the Redis ``env`` points at; its
    JSON result (rows, labels still owed, seconds, whether the state came from the cache)."""
    history = ensure_history(world, env, logs, cache)
    args = ["backfill", "--history", str(history), "--cache-dir", str(cache or cache_dir())]
    command = ServiceProcess(
        "backfill", "fraud_consumer.main", {**env, **world.env()}, logs, args=args
    )
    result: dict[str, Any] = json.loads(_finish(command.start(), 3_600))
    return result
