"""``fraud-dashboard``: serve the live dashboard with uvicorn (SIGTERM closes streams cleanly)."""

from __future__ import annotations

import logging
import sys

import uvicorn
from pydantic import ValidationError

from fraud_dashboard.app import create_app
from fraud_dashboard.settings import DashboardSettings


def main() -> int:
    try:
        settings = DashboardSettings()
    except ValidationError as error:
        print(f"fraud-dashboard: invalid configuration\n{error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    uvicorn.run(
        create_app(settings),
        host=settings.dashboard_host,
        port=settings.dashboard_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
