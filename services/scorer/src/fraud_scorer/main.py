"""``fraud-scorer``: serve the scoring API with uvicorn (SIGTERM drains in-flight requests)."""

from __future__ import annotations

import sys

import uvicorn

from fraud_scorer.app import create_app
from fraud_scorer.settings import ScorerSettings
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings


def main() -> int:
    settings = load_settings(ScorerSettings, "fraud-scorer")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    uvicorn.run(
        create_app(settings),
        host=settings.scorer_host,
        port=settings.scorer_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        server_header=False,  # no banner naming the server software to whoever asks
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
