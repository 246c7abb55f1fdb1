"""``fraud-scorer``: serve the scoring API with uvicorn (SIGTERM drains in-flight requests)."""

from __future__ import annotations

import logging
import sys

import uvicorn
from pydantic import ValidationError

from fraud_scorer.app import create_app
from fraud_scorer.settings import ScorerSettings


def main() -> int:
    try:
        settings = ScorerSettings()
    except ValidationError as error:
        print(f"fraud-scorer: invalid configuration\n{error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    uvicorn.run(
        create_app(settings),
        host=settings.scorer_host,
        port=settings.scorer_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
