"""The warm start as ``make dev``, its test and ``make live-eval`` run it: the world's history
exported once per world and code version (``fraud-producer history``, cached), then loaded into
Redis by ``fraud-consumer backfill`` (which caches its replayed state beside it). Compose and the
charts run the same two commands in init containers."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudcore.clock import marker_ttl_s
from fraudcore.devstack.kafka_broker import cache_dir
from fraudcore.devstack.services import ServiceProcess

HISTORY_VERSION = "history-v1"
DEV_SPEED = 175.0  # simulated seconds per real second: about 50 payments a second (README)
DEV_HISTORY_DAYS = 56  # the model card's test week starts after 56 days of history


@dataclass(frozen=True)
class World:
    seed: int = 42
    customers: int = 10_000
    history_days: int = DEV_HISTORY_DAYS
    speed: float = DEV_SPEED

    def env(self) -> dict[str, str]:
        """Settings of the producer's world and of the consumer's decision markers, which must
        outlive the labels' delays at this speed."""
        return {
            "PRODUCER_PACE": "world",
            "PRODUCER_SEED": str(self.seed),
            "PRODUCER_CUSTOMERS": str(self.customers),
            "PRODUCER_HISTORY_DAYS": str(self.history_days),
            "PRODUCER_SPEED": f"{self.speed:g}",
            "RESULT_TTL_S": str(marker_ttl_s(self.speed)),
        }


def _code_digest(*packages: str) -> str:
    """The source files of these packages (found, not imported): a new simulator is a new world."""
    digest = hashlib.sha256()
    for package in packages:
        spec = importlib.util.find_spec(package)
        roots = list(spec.submodule_search_locations or []) if spec else []
        for path in sorted(p for root in roots for p in Path(root).rglob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def history_file(world: World, cache: Path | None = None) -> Path:
    key = f"{world.seed}:{world.customers}:{world.history_days}:"
    key += _code_digest("fraud_producer", "fraudcore.history")
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
