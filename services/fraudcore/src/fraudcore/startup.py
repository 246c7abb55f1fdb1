"""Start-up shared by the services and commands: one log format, and settings read from the
environment with a clear message (exit code 2) when they are invalid."""

from __future__ import annotations

import logging
import sys
from typing import TypeVar

from pydantic import ValidationError

from fraudcore.settings import LoggingSettings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
EXIT_INVALID_CONFIGURATION = 2

Settings = TypeVar("Settings", bound=LoggingSettings)


def configure_logging(level: int | str = logging.INFO) -> None:
    logging.basicConfig(level=level, format=LOG_FORMAT)


def load_settings(cls: type[Settings], program: str) -> Settings | None:
    """The service's settings with logging configured at their level, or None once the reason
    they are invalid is printed (the caller returns EXIT_INVALID_CONFIGURATION)."""
    try:
        settings = cls()
    except ValidationError as error:
        print(f"{program}: invalid configuration\n{error}", file=sys.stderr)
        return None
    configure_logging(settings.log_level)
    return settings
