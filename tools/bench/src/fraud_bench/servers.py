"""The broker and Redis a benchmark run measures on, in a temporary directory, stopped after."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fraud_devstack import KafkaBroker, RedisServer


@contextmanager
def servers(prefix: str) -> Iterator[tuple[Path, KafkaBroker, RedisServer]]:
    """(work directory, started broker, started Redis); both stopped even when the run fails."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        work = Path(tmp)
        broker = KafkaBroker(work / "kafka", log_level="WARN").start()
        try:
            redis_server = RedisServer(work / "redis", maxmemory="4gb").start()
            try:
                yield work, broker, redis_server
            finally:
                redis_server.stop()
        finally:
            broker.stop()
