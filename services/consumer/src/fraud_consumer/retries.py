"""Redis, scorer or decision log trouble: pause fetching, back off, keep the group membership
alive and retry the same batch; give it up only for shutdown, a rebalance or a lost membership
(it is not committed, so it is processed again later). Nothing is skipped and nothing counted
twice."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis

from fraud_consumer.decision_sink import DecisionLogUnavailableError
from fraud_consumer.kafka_health import FatalError, KafkaHealth
from fraud_consumer.kafka_input import KafkaInput
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.scorers import ScorerUnavailableError

log = logging.getLogger(__name__)
T = TypeVar("T")
_DEPENDENCY: dict[type[Exception], str] = {
    ScorerUnavailableError: "scorer",
    DecisionLogUnavailableError: "database",
}


class AbandonedError(Exception):
    """The batch was given up before it was written: not committed, so seen again later."""


class Retrying:
    def __init__(
        self,
        backoff_max_s: float,
        kafka: KafkaInput,
        health: KafkaHealth,
        metrics: ConsumerMetrics,
        interrupted: Callable[[], bool],
    ) -> None:
        self.backoff_max_s, self.kafka, self.health, self.metrics = (
            backoff_max_s, kafka, health, metrics,
        )  # fmt: skip
        self.interrupted = interrupted

    def run(self, work: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                outcome = work()
            except redis.AuthenticationError as error:
                raise FatalError(f"Redis authentication failed: {error}") from error
            except (redis.RedisError, ScorerUnavailableError, DecisionLogUnavailableError) as error:
                dependency = _DEPENDENCY.get(type(error), "redis")
                self.metrics.retries.labels(dependency=dependency).inc()
                try:
                    self._wait(attempt, f"{dependency}: {error}")
                except AbandonedError:
                    self.kafka.resume()  # else whatever is assigned next stays paused
                    raise
                attempt += 1
                continue
            if self.kafka.resume():
                log.info("dependencies back after %d retries: resumed", attempt)
            return outcome

    def _wait(self, attempt: int, problem: str) -> None:
        self.kafka.pause()
        delay = min(self.backoff_max_s, 0.1 * 2**attempt)
        log.warning("paused, retry %d in %.1f s: %s", attempt + 1, delay, problem)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            self._give_up_if_interrupted()
            self.kafka.poll_paused(min(0.1, max(0.0, deadline - time.monotonic())))
            self._give_up_if_interrupted()

    def _give_up_if_interrupted(self) -> None:
        self.health.raise_if_fatal()
        if self.interrupted():
            raise AbandonedError
