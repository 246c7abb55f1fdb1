"""The broker and Redis a benchmark run measures on, in a temporary directory, stopped after."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fraud_devstack import KafkaBroker, RedisServer

KEEP_WORK = "FRAUD_BENCH_KEEP_WORK"  # a directory: each run's work (consumers' logs) stays there
log = logging.getLogger(__name__)


@contextmanager
def work_directory(prefix: str) -> Iterator[Path]:
    """A fresh directory for one run, removed after it unless ``FRAUD_BENCH_KEEP_WORK`` names
    where to keep it (the consumers' logs and loop traces are read after a run, not during)."""
    keep = os.environ.get(KEEP_WORK)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=prefix, dir=keep))
        log.info("the run's work directory stays in %s", work)
        yield work
        return
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def servers(prefix: str) -> Iterator[tuple[Path, KafkaBroker, RedisServer]]:
    """(work directory, started broker, started Redis); both stopped even when the run fails."""
    with work_directory(prefix) as work:
        broker = KafkaBroker(work / "kafka", log_level="WARN").start()
        try:
            redis_server = RedisServer(work / "redis", maxmemory="4gb").start()
            try:
                yield work, broker, redis_server
            finally:
                redis_server.stop()
        finally:
            broker.stop()
