"""``fraud-consumer backfill``: arguments, settings and exit codes around ``backfill()``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import time
from pathlib import Path

import redis

from fraud_consumer.backfill import BackfillRefusedError, backfill
from fraud_consumer.settings import BackfillSettings
from fraudcore.history import HistoryError
from fraudcore.redis_client import RedisClient, connect
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings

EXIT_REFUSED = 3  # the history is unusable or Redis holds other state: nothing was written
RELOAD_AFTER_S = 1.0
log = logging.getLogger("fraud_consumer.backfill")


def _wait_until_ready(client: RedisClient, history: Path, deadline: float) -> str | None:
    """None once the history file exists and Redis answers; else what is still missing at the
    deadline (monotonic)."""
    while True:
        problem = None if history.is_file() else f"no history file at {history}"
        if problem is None:
            try:
                client.ping()
            except redis.RedisError as error:
                problem = f"Redis does not answer: {error}"
        if problem is None or time.monotonic() >= deadline:
            return problem
        time.sleep(1.0)


def backfill_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="fraud-consumer backfill",
        description="load the feature state of a history export into Redis (the warm start)",
    )
    parser.add_argument("--history", type=Path, required=True, help="*.jsonl or *.jsonl.gz")
    parser.add_argument(
        "--cache-dir", type=Path, help="keep the replayed state here, keyed by file and code"
    )
    parser.add_argument("--force", action="store_true", help="replace other state in Redis")
    parser.add_argument(
        "--wait-s",
        type=float,
        default=0.0,
        help=(
            "wait up to this long for the file and for Redis (containers starting together), "
            "and load again after Redis went away until then"
        ),
    )
    args = parser.parse_args(argv)
    settings = load_settings(BackfillSettings, "fraud-consumer backfill")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    client = connect(settings)
    deadline = time.monotonic() + args.wait_s
    problem = _wait_until_ready(client, args.history, deadline)
    if problem:
        log.error("nothing loaded: %s", problem)
        return EXIT_REFUSED
    while True:
        try:
            result = backfill(
                client, settings, args.history, cache_dir=args.cache_dir, force=args.force
            )
            break
        except (HistoryError, BackfillRefusedError) as error:
            log.error("nothing loaded: %s", error)
            return EXIT_REFUSED
        except (redis.ConnectionError, redis.TimeoutError) as error:
            # Redis (or its name, on a container network) away a moment: every write replaces
            # state and the record comes last, so the load is simply made again.
            if time.monotonic() >= deadline:
                raise
            log.warning("Redis went away while loading (%s): loading again", error)
            time.sleep(RELOAD_AFTER_S)
    print(json.dumps(dataclasses.asdict(result)), flush=True)
    return 0
