"""The local broker, Redis and PostgreSQL: start, answer, survive a restart, stop."""

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from fraud_devstack import KafkaBroker, RedisServer, ensure_kafka_jars, free_port
from fraudcore.decision_log import connect
from fraudcore.decision_log.migrator import pending
from fraudcore.kafka_client import ensure_topics
from fraudcore.settings import DatabaseSettings, KafkaSettings

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "fraud_devstack.cli"]


def _processes_naming(path: Path) -> list[int]:
    """Our processes whose command line names ``path`` (a test's own directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(path).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue  # exited meanwhile
    return found


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_redis_keeps_data_across_a_restart(tmp_path: Path) -> None:
    server = RedisServer(tmp_path).start()
    try:
        server.client().set("k", "v")
        server.stop()
        server.start()
        assert server.client().get("k") == b"v"
    finally:
        server.stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=server.port, socket_connect_timeout=0.5).ping()


def test_broker_restart_keeps_messages(tmp_path: Path) -> None:
    broker = KafkaBroker(tmp_path, log_level="WARN").start()
    try:
        settings = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
        ensure_topics(settings, ["kept"], partitions=1)
        producer = Producer({"bootstrap.servers": broker.bootstrap_servers, "acks": "all"})
        producer.produce("kept", b"hello")
        assert producer.flush(10) == 0
        broker.stop()
        broker.start()
        consumer = Consumer({"bootstrap.servers": broker.bootstrap_servers, "group.id": "g",
                             "auto.offset.reset": "earliest"})  # fmt: skip
        consumer.subscribe(["kept"])
        message = None
        for _ in range(100):
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                break
        consumer.close()
        assert message is not None
        assert message.value() == b"hello"
    finally:
        broker.stop()


def test_infra_up_writes_sourceable_endpoints_and_down_stops_everything(tmp_path: Path) -> None:
    up = subprocess.run(
        [*CLI, "up", "--dir", str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert up.returncode == 0, up.stderr
    env = dict(line.split("=", 1) for line in (tmp_path / "env").read_text().splitlines())
    assert (tmp_path / "env").stat().st_mode & 0o077 == 0  # the database password is in it
    try:
        assert redis.Redis.from_url(env["REDIS_URL"]).ping()
        with connect(DatabaseSettings(database_url=env["DATABASE_URL"])) as conn:
            assert pending(conn) == []  # the decision log is migrated
        settings = KafkaSettings(kafka_bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"])
        topics = (
            AdminClient({"bootstrap.servers": settings.kafka_bootstrap_servers})
            .list_topics(timeout=10)
            .topics
        )
        assert {"transactions", "transaction-labels", "transactions-scored", "fraud-alerts",
                "transactions-dlq"} <= set(topics)  # fmt: skip
        again = subprocess.run(
            [*CLI, "up", "--dir", str(tmp_path)],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "already running" in again.stdout
    finally:
        down = subprocess.run(
            [*CLI, "down", "--dir", str(tmp_path)],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert down.returncode == 0, down.stderr
    assert not (tmp_path / "env").exists()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=0.5).ping()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(env["DATABASE_URL"], connect_timeout=2)
    assert not (tmp_path / "postgres" / "data").exists()


def _failing_up(
    state: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], list[int]]:
    """infra-up in ``env``, and the processes it left naming ``state`` (killed: no leak)."""
    up = subprocess.run(
        [*CLI, "up", "--dir", str(state)],
        env={**os.environ, **env},
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
    )
    left = _processes_naming(state)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return up, left


def test_infra_up_without_redis_stops_the_broker_it_started(tmp_path: Path) -> None:
    ensure_kafka_jars()  # cached with the full PATH: below only java is on it
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    java = shutil.which("java")
    assert java is not None
    (bin_dir / "java").symlink_to(java)
    state = tmp_path / "devstack"
    up, left = _failing_up(state, {"PATH": str(bin_dir)})  # no redis-server on it
    # The broker really ran before Redis failed, and nothing of it is left.
    assert "Kafka Server started" in (state / "kafka" / "broker.log").read_text()
    assert left == []
    assert up.returncode == 1, up.stderr
    assert "infra-up failed: redis-server is needed" in up.stderr
    assert not (state / "env").exists()


def test_infra_up_without_postgresql_stops_the_broker_and_redis(tmp_path: Path) -> None:
    state = tmp_path / "devstack"
    up, left = _failing_up(state, {"FRAUD_POSTGRES_BIN": str(tmp_path / "nowhere")})
    assert "Kafka Server started" in (state / "kafka" / "broker.log").read_text()
    assert (state / "redis" / "redis.log").exists()
    assert left == []
    assert up.returncode == 1, up.stderr
    assert "infra-up failed:" in up.stderr
    assert "initdb is needed" in up.stderr
    assert not (state / "env").exists()
