"""``fraud-consumer``: run the stream processor until SIGTERM (finish the batch, commit, exit)."""

from __future__ import annotations

import logging
import sys

from pydantic import ValidationError

from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.processor import FatalError, Processor
from fraud_consumer.scorers import make_scorer
from fraud_consumer.settings import ConsumerSettings
from fraudcore.redis_client import connect
from fraudcore.worker import serve_operations, stop_on_signals


def main() -> int:
    try:
        settings = ConsumerSettings()
    except ValidationError as error:
        print(f"fraud-consumer: invalid configuration\n{error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    stop = stop_on_signals()
    processor = Processor(settings, connect(settings), make_scorer(settings), ConsumerMetrics())
    if settings.metrics_port:
        serve_operations(settings.metrics_host, settings.metrics_port, processor.readiness)
    try:
        processor.run(stop)
    except FatalError as error:
        logging.getLogger("fraud_consumer").error(
            "stopping, this will not heal by retrying: %s", error
        )
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
