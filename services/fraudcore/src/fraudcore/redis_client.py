"""Redis client construction from settings, the same for every service: a single Redis, or a
Redis Cluster (``REDIS_CLUSTER=true``, ``REDIS_URL`` naming any one of its nodes)."""

from __future__ import annotations

from typing import Any, TypeAlias, cast

import redis
import redis.asyncio
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

from fraudcore.settings import RedisSettings

RedisClient: TypeAlias = "redis.Redis[bytes] | RedisCluster[bytes]"
# The asyncio cluster client answers every command the dashboard sends, but the type stubs give
# it none of them: it is typed as the single-server client it stands in for.
AsyncRedisClient: TypeAlias = "redis.asyncio.Redis[bytes]"


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


def is_cluster(client: object) -> bool:
    return isinstance(client, RedisCluster | AsyncRedisCluster)


def connect(settings: RedisSettings) -> RedisClient:
    if settings.redis_cluster:
        return RedisCluster.from_url(settings.redis_url, **redis_options(settings))
    return redis.Redis.from_url(settings.redis_url, **redis_options(settings))


def connect_async(settings: RedisSettings) -> AsyncRedisClient:
    if settings.redis_cluster:
        cluster: AsyncRedisCluster[bytes] = AsyncRedisCluster.from_url(
            settings.redis_url, **redis_options(settings)
        )
        return cast("redis.asyncio.Redis[bytes]", cluster)
    client: redis.asyncio.Redis[bytes] = redis.asyncio.Redis.from_url(
        settings.redis_url, **redis_options(settings)
    )
    return client
