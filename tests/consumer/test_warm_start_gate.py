"""With WARM_START_WAIT_S the consumer reads no payment until the warm start's record is in
Redis (compose under podman does not hold the start order), is not ready meanwhile, and exits 3
when the wait runs out; without it, it does not wait."""

import threading
import time

import pytest

from fraud_consumer.warm_start_gate import WarmStartGate
from fraud_devstack.services import ServiceProcess, wait_for
from fraudcore.redis_keys import RedisKeys
from fraudcore.worker import LoopWatch

pytestmark = pytest.mark.integration


def test_the_gate_opens_when_the_record_comes_and_not_before(redis_client, redis_settings):
    keys = RedisKeys(redis_settings.redis_key_prefix)
    assert WarmStartGate(redis_client, keys, 0).wait(LoopWatch()) is True  # no wait asked
    gate = WarmStartGate(redis_client, keys, 0.3)
    assert gate.readiness() == (False, "waiting for the warm start to be loaded")
    began = time.monotonic()
    assert gate.wait(LoopWatch(), poll_s=0.05) is False  # never written: the wait runs out
    assert time.monotonic() - began >= 0.3
    gate = WarmStartGate(redis_client, keys, 30)
    threading.Timer(0.3, lambda: redis_client.hset(keys.warm_start, "digest", "d")).start()
    assert gate.wait(LoopWatch(), poll_s=0.05) is True
    assert gate.readiness() is None
    stopped = LoopWatch()
    stopped.set()
    assert WarmStartGate(redis_client, RedisKeys("other:"), 30).wait(stopped) is False


def test_the_consumer_scores_nothing_before_the_warm_start_is_in(
    pipeline_factory, redis_client, http_get
) -> None:
    pipeline = pipeline_factory()
    consumer = pipeline.start_consumer("embedded", WARM_START_WAIT_S=120)
    pipeline.stream(200, rate=500)
    time.sleep(3)
    assert pipeline.scored() == 0
    status, body = http_get(consumer.metrics_port, "/readyz")
    assert status == 503
    assert "waiting for the warm start" in body
    redis_client.hset(pipeline.keys.warm_start, "digest", "loaded")
    pipeline.wait_scored(200)
    wait_for(lambda: http_get(consumer.metrics_port, "/readyz")[0] == 200, 30, "ready")
    assert "the warm start is loaded: consuming" in consumer.log()


def test_the_consumer_exits_3_when_the_warm_start_never_comes(pipeline_factory) -> None:
    pipeline = pipeline_factory()
    env = pipeline.env(SCORING_MODE="embedded", METRICS_PORT=0, WARM_START_WAIT_S=2)
    consumer = ServiceProcess(
        "consumer-no-warm-start", "fraud_consumer.main", env, pipeline.workdir
    )
    pipeline.processes.append(consumer)  # stopped with the rest, whatever happens
    consumer.start()
    assert consumer.wait(timeout_s=60) == 3, consumer.log()
    assert "the warm start was not loaded within WARM_START_WAIT_S=2 s" in consumer.log()
