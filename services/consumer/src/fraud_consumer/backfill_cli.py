"""``fraud-consumer backfill``: arguments, settings and exit codes around ``backfill()``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from pathlib import Path

from fraud_consumer.backfill import BackfillRefusedError, backfill
from fraud_consumer.settings import BackfillSettings
from fraudcore.history import HistoryError
from fraudcore.redis_client import connect
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings

EXIT_REFUSED = 3  # the history is unusable or Redis holds other state: nothing was written
log = logging.getLogger("fraud_consumer.backfill")


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
    args = parser.parse_args(argv)
    settings = load_settings(BackfillSettings, "fraud-consumer backfill")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    if not args.history.is_file():
        log.error("no history file at %s", args.history)
        return EXIT_REFUSED
    try:
        result = backfill(
            connect(settings), settings, args.history, cache_dir=args.cache_dir, force=args.force
        )
    except (HistoryError, BackfillRefusedError) as error:
        log.error("nothing loaded: %s", error)
        return EXIT_REFUSED
    print(json.dumps(dataclasses.asdict(result)), flush=True)
    return 0
