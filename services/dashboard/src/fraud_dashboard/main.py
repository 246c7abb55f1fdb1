"""``fraud-dashboard``: serve the live dashboard with uvicorn (SIGTERM closes streams cleanly)."""

from __future__ import annotations

import sys

import uvicorn

from fraud_dashboard.app import create_app
from fraud_dashboard.settings import DashboardSettings
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings


def main() -> int:
    settings = load_settings(DashboardSettings, "fraud-dashboard")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
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
