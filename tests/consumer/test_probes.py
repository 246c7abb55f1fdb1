"""The consumer's probes as Kubernetes sees them: the real process, Kafka unreachable.

Before, /readyz answered 200 ("consuming 0 partitions") while Kafka never came up, so a
broken Kafka gave all-green pods. Now readiness waits for Kafka's metadata while liveness
stays green: nothing is stuck, the consumer waits for its broker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fraud_devstack.processes import free_port, stop

pytestmark = pytest.mark.integration


HttpGet = Callable[[int, str], tuple[int, str]]


@pytest.fixture
def consumer_without_kafka(redis_url: str, tmp_path: Path, http_get: HttpGet) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",  # nothing listens there
        "REDIS_URL": redis_url,
        "METRICS_PORT": str(port),
        "METRICS_HOST": "127.0.0.1",
        "CONSUMER_GROUP_ID": "probe-test",
    }
    log = (tmp_path / "consumer.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "fraud_consumer.main"], env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 240  # imports take a while on a busy machine
        while http_get(port, "/healthz")[0] == 0:
            assert process.poll() is None, (tmp_path / "consumer.log").read_text()
            assert time.monotonic() < deadline, "the consumer never served its probes"
            time.sleep(0.2)
        yield port
    finally:
        stop(process)
        log.close()


def test_readiness_fails_and_liveness_holds_while_kafka_is_down(
    consumer_without_kafka: int, http_get: HttpGet
) -> None:
    for _ in range(3):
        status, body = http_get(consumer_without_kafka, "/readyz")
        assert status == 503, body
        assert body.startswith("kafka: no metadata from 127.0.0.1:")
        assert http_get(consumer_without_kafka, "/healthz") == (200, "ok\n")
        time.sleep(0.5)
