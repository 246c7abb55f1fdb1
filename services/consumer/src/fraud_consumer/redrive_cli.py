"""``fraud-consumer redrive``: arguments, settings and exit codes around ``redrive()``."""

from __future__ import annotations

import argparse
import json
import logging

from confluent_kafka import KafkaException

from fraud_consumer.redrive import LetterFilter, redrive
from fraud_consumer.settings import RedriveSettings
from fraudcore.schemas import DLQ_REASONS
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings

EXIT_FAILED = 3  # Kafka refused or did not answer in time: nothing was committed
log = logging.getLogger("fraud_consumer.redrive")


def redrive_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="fraud-consumer redrive",
        description=(
            "send dead letters back to the topic they came from (the consumer recognises what it "
            "has seen before), once their cause is fixed; prints what it did as JSON"
        ),
    )
    parser.add_argument(
        "--reason", action="append", choices=DLQ_REASONS, default=[],
        help="only letters of this reason (repeatable; default: any)",
    )  # fmt: skip
    parser.add_argument(
        "--source-topic", action="append", default=[],
        help="only letters read from this topic (repeatable; default: any input topic)",
    )  # fmt: skip
    parser.add_argument(
        "--group", help="the consumer group remembering how far (default: one per filter)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would be sent back; send nothing"
    )
    parser.add_argument("--timeout-s", type=float, default=60.0, help="longest the run may take")
    args = parser.parse_args(argv)
    settings = load_settings(RedriveSettings, "fraud-consumer redrive")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    inputs = {settings.topic_transactions, settings.topic_labels}
    if unknown := set(args.source_topic) - inputs:
        parser.error(f"--source-topic must be an input topic ({', '.join(sorted(inputs))}), "
                     f"not {', '.join(sorted(unknown))}")  # fmt: skip
    letters = LetterFilter(frozenset(args.reason), frozenset(args.source_topic))
    try:
        outcome = redrive(
            settings, settings, letters, group=args.group, dry_run=args.dry_run,
            timeout_s=args.timeout_s,
        )  # fmt: skip
    except (KafkaException, TimeoutError, RuntimeError) as error:
        log.error("redrive failed: %s", error)
        return EXIT_FAILED
    print(json.dumps(outcome.as_dict(), sort_keys=True))
    return 0
