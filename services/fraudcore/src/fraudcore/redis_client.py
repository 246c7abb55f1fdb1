"""Redis client construction from settings, the same for every service."""

from __future__ import annotations

from typing import Any

import redis

from fraudcore.settings import RedisSettings


def redis_options(settings: RedisSettings) -> dict[str, Any]:
    """Keyword arguments for ``redis.Redis.from_url`` (sync) or ``redis.asyncio`` alike."""
    options: dict[str, Any] = {
        "socket_timeout": settings.redis_socket_timeout_s,
        "socket_connect_timeout": settings.redis_socket_timeout_s,
        "health_check_interval": 30,
    }
    if settings.redis_username:
        options["username"] = settings.redis_username
    if settings.redis_password is not None:
        options["password"] = settings.redis_password.get_secret_value()
    if settings.redis_url.startswith("rediss://") and settings.redis_tls_ca_file:
        options["ssl_ca_certs"] = settings.redis_tls_ca_file
    return options


def connect(settings: RedisSettings) -> redis.Redis[bytes]:
    return redis.Redis.from_url(settings.redis_url, **redis_options(settings))
