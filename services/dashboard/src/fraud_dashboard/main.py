"""``fraud-dashboard``: serve the live dashboard with uvicorn (SIGTERM closes streams cleanly);
``fraud-dashboard users ...`` manages the users file (see ``fraud_dashboard.auth.cli``)."""

from __future__ import annotations

import sys

import uvicorn

from fraud_dashboard.app import create_app
from fraud_dashboard.auth.cli import run as users
from fraud_dashboard.auth.users import UsersFileError
from fraud_dashboard.settings import DashboardSettings
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["users"]:
        return users(args[1:])
    settings = load_settings(DashboardSettings, "fraud-dashboard")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    try:
        app = create_app(settings)
    except UsersFileError as error:
        print(f"fraud-dashboard: invalid configuration: {error}", file=sys.stderr)
        return EXIT_INVALID_CONFIGURATION
    uvicorn.run(
        app,
        host=settings.dashboard_host,
        port=settings.dashboard_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        server_header=False,  # no banner naming the server software to whoever asks
        timeout_graceful_shutdown=5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
