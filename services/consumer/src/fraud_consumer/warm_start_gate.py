"""Reading no payment before the warm start is loaded (``WARM_START_WAIT_S``): its record in
Redis, which ``fraud-consumer backfill`` writes last, says the whole history's state is there.

Kubernetes orders the two by init containers; compose cannot be relied on to: podman-compose on
podman 4.3 let the consumer consume while the backfill was still loading, so payments were
scored against the empty state of new cards and merchants, as the model never saw them.
"""

from __future__ import annotations

import logging
import time

import redis

from fraudcore.redis_client import RedisClient
from fraudcore.redis_keys import RedisKeys
from fraudcore.worker import LoopWatch

log = logging.getLogger(__name__)
POLL_S = 1.0


class WarmStartGate:
    def __init__(self, client: RedisClient, keys: RedisKeys, wait_s: float) -> None:
        self.client, self.keys, self.wait_s = client, keys, wait_s
        self.waiting = wait_s > 0

    def readiness(self) -> tuple[bool, str] | None:
        """Not ready while waiting (None: the gate is open, the processor's readiness holds)."""
        return (False, "waiting for the warm start to be loaded") if self.waiting else None

    def wait(self, stop: LoopWatch, poll_s: float = POLL_S) -> bool:
        """True once the warm start's record is in Redis (at once without a wait); False when
        ``wait_s`` passed without it, or on stop. Each turn is a sign of life (``stop``)."""
        if not self.waiting:
            return True
        deadline, said = time.monotonic() + self.wait_s, False
        while not stop.is_set():
            try:
                if self.client.exists(self.keys.warm_start):
                    log.info("the warm start is loaded: consuming")
                    self.waiting = False
                    return True
            except redis.RedisError as error:  # Redis starting too: asked again
                log.info("Redis does not answer yet: %s", error)
            if time.monotonic() >= deadline:
                return False
            if not said:
                log.info("reading no payment until the warm start is loaded (up to %.0f s)",
                         self.wait_s)  # fmt: skip
                said = True
            stop.wait(poll_s)
        return False
