"""The review queue's version: a few bytes that change whenever the queue may have changed, so an
open queue page polls this each second and reads the queue itself (a PostgreSQL query) only when
the version moved, instead of every few seconds whatever happened.

It is read from Redis, which every dashboard replica and the consumer share: the number of
verdicts given (the dashboard counts each one after it is recorded, and a recorded fraud or
genuine verdict leaves the queue at once), the newest alert (a new review or block), and the
number of labels the consumer applied (a chargeback closes a case).
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from fraudcore.live_stats import LABELS
from fraudcore.redis_client import AsyncRedisClient
from fraudcore.redis_keys import RedisKeys

log = logging.getLogger(__name__)


def verdicts_key(keys: RedisKeys) -> str:
    return f"{keys.prefix}queue:verdicts"


async def queue_version(redis: AsyncRedisClient, keys: RedisKeys) -> str:
    """``<verdicts>.<newest alert id>.<labels applied>``; opaque to clients, compared only."""
    pipe = redis.pipeline(transaction=False)
    pipe.get(verdicts_key(keys))
    pipe.xrevrange(keys.alerts, count=1)
    pipe.hget(keys.stats, LABELS)
    verdicts, newest, labels = await pipe.execute()
    alert = newest[0][0].decode() if newest else "0-0"
    return f"{int(verdicts or 0)}.{alert}.{int(labels or 0)}"


async def count_verdict(redis: AsyncRedisClient, keys: RedisKeys) -> None:
    """Moves the version after a verdict was recorded. Best effort: the verdict stands whatever
    Redis says, and open queues still re-read on their slow fallback."""
    try:
        await redis.incr(verdicts_key(keys))
    except RedisError as error:
        log.warning("queue version not moved after a verdict: %s", error)
