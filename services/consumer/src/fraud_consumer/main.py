"""``fraud-consumer``: run the stream processor until SIGTERM (finish the batch, commit, exit).

fraud-consumer                                       the stream processor
fraud-consumer backfill --history FILE [--cache-dir DIR] [--force]   the warm start (backfill.py)
fraud-consumer redrive [--reason R] [--source-topic T] [--dry-run]   dead letters sent back
"""

from __future__ import annotations

import gc
import logging
import sys

import psycopg

from fraud_consumer.backfill_cli import backfill_main
from fraud_consumer.kafka_health import FatalError
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.processor import Processor
from fraud_consumer.redrive_cli import redrive_main
from fraud_consumer.scorer_choice import make_scorer
from fraud_consumer.settings import ConsumerSettings
from fraud_consumer.warm_start_gate import WarmStartGate
from fraudcore.model_registry import RegistryError
from fraudcore.redis_client import connect
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings
from fraudcore.worker import serve_worker_probes, stop_on_signals

GC_THRESHOLDS = (50_000, 20, 100)


def tune_gc() -> None:
    """Start-up objects (model, libraries) never die: keep them out of every collection, and
    collect young objects less often, which cuts the pauses that show up in p99 latency."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


SUBCOMMANDS = {"backfill": backfill_main, "redrive": redrive_main}


def main() -> int:
    if (command := SUBCOMMANDS.get(sys.argv[1] if len(sys.argv) > 1 else "")) is not None:
        return command(sys.argv[2:])
    settings = load_settings(ConsumerSettings, "fraud-consumer")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    return run(settings)


def run(settings: ConsumerSettings) -> int:
    """The stream processor until SIGTERM: 0, or 3 when it cannot go on (no model, no warm
    start in time, a fatal Kafka error)."""
    log = logging.getLogger("fraud_consumer")
    stop = stop_on_signals()
    try:
        scorer = make_scorer(settings)
    except (RegistryError, psycopg.Error) as error:  # no champion, or its files unusable
        log.error("no model to serve: %s", error)
        return 3
    client = connect(settings)
    processor = Processor(settings, client, scorer, ConsumerMetrics())
    gate = WarmStartGate(client, processor.pipeline.keys, settings.warm_start_wait_s)
    tune_gc()
    # Ready: Kafka serves the input topics, the warm start is in and no dependency paused the loop.
    topics = (settings.topic_transactions, settings.topic_labels)
    serve_worker_probes(
        settings, settings, topics, lambda: gate.readiness() or processor.readiness(), stop
    )
    if not gate.wait(stop):
        if not stop.is_set():
            log.error("the warm start was not loaded within WARM_START_WAIT_S=%.0f s", gate.wait_s)
        return 0 if stop.is_set() else 3
    try:
        processor.run(stop)
    except FatalError as error:
        log.error("stopping, this will not heal by retrying: %s", error)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
