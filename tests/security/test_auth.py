"""Auth on: Redis with a password, Kafka with SASL/SCRAM-SHA-512 on the local broker. With the
right credentials the pipeline works; with wrong ones every client fails closed with a clear
error, and no secret appears in any log."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fraud_devstack import KafkaBroker, RedisServer, free_port
from fraud_devstack.pipeline import LocalPipeline, private_topics
from fraud_devstack.services import ServiceProcess
from fraudcore.schemas import Transaction
from fraudcore.settings import KafkaSettings

pytestmark = pytest.mark.integration
ADMIN_PW, CLIENT_PW, REDIS_PW = "adm1n-Secret-7f3e", "cl1ent-Secret-91ab", "red1s-Secret-c4d2"
SECRETS = (ADMIN_PW, CLIENT_PW, REDIS_PW)


def sasl(password: str) -> dict[str, str]:
    return {
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "fraud",
        "KAFKA_SASL_PASSWORD": password,
    }


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KafkaBroker, RedisServer]]:
    broker = KafkaBroker(
        tmp_path_factory.mktemp("kafka-sasl"),
        scram_users={"admin": ADMIN_PW, "fraud": CLIENT_PW},
        log_level="WARN",
    ).start()
    redis = RedisServer(tmp_path_factory.mktemp("redis-auth"), password=REDIS_PW).start()
    yield broker, redis
    broker.stop()
    redis.stop()


@pytest.fixture
def pipeline(secured, tmp_path: Path, model_dir: Path) -> Iterator[LocalPipeline]:
    broker, redis = secured
    settings = KafkaSettings(
        kafka_bootstrap_servers=broker.bootstrap_servers,
        **{key.lower(): value for key, value in sasl(CLIENT_PW).items()},
    )
    made = LocalPipeline(
        broker.bootstrap_servers, redis.url, private_topics(settings), tmp_path, model_dir,
        redis_password=REDIS_PW, common_env=sasl(CLIENT_PW),
    )  # fmt: skip
    yield made
    made.stop_all()
    for log in tmp_path.glob("*.log"):
        text = log.read_text(errors="replace")
        assert not [secret for secret in SECRETS if secret in text], (
            f"a secret leaked into {log.name}"
        )


def exits_with(process: ServiceProcess, code: int, timeout_s: float = 60) -> str:
    process.start()
    assert process.wait(timeout_s) == code, process.log()
    return process.log()


def test_the_pipeline_works_with_the_right_credentials(pipeline: LocalPipeline) -> None:
    pipeline.start_scorer()
    pipeline.start_consumer("remote")
    producer = pipeline.start_producer("--rate", "1000", "--count", "2000", "--no-labels")
    assert producer.wait(timeout_s=120) == 0, producer.log()
    pipeline.wait_scored(2_000, timeout_s=120)
    assert pipeline.scored() == 2_000


def test_a_wrong_kafka_password_fails_closed(pipeline: LocalPipeline) -> None:
    env = pipeline.env(SCORING_MODE="embedded", METRICS_PORT=0, **sasl("wrong-password"))
    consumer = ServiceProcess("consumer-bad-kafka", "fraud_consumer.main", env, pipeline.workdir)
    log = exits_with(consumer, 3)
    assert "Authentication failed" in log
    assert "this will not heal by retrying" in log
    steady = ["stream", "--pace", "steady", "--rate", "10", "--count", "10"]
    producer = ServiceProcess(
        "producer-bad-kafka", "fraud_producer.cli", env, pipeline.workdir, args=steady
    )
    assert "Authentication failed" in exits_with(producer, 3)


def test_a_wrong_redis_password_fails_closed(pipeline: LocalPipeline) -> None:
    env = pipeline.env(SCORING_MODE="embedded", METRICS_PORT=0, REDIS_PASSWORD="wrong-password")
    consumer = ServiceProcess("consumer-bad-redis", "fraud_consumer.main", env, pipeline.workdir)
    started = pipeline.start_producer("--rate", "500", "--count", "200", "--no-labels")
    started.wait(timeout_s=60)
    log = exits_with(consumer, 3)
    assert "Redis authentication failed" in log


def test_scorer_and_dashboard_refuse_readiness_without_redis_credentials(
    pipeline: LocalPipeline,
) -> None:
    env = pipeline.env(REDIS_PASSWORD="wrong-password", SCORER_HOST="127.0.0.1",
                       SCORER_PORT=pipeline.scorer_port, DASHBOARD_HOST="127.0.0.1",
                       DASHBOARD_PORT=(board_port := free_port()))  # fmt: skip
    services = {
        pipeline.scorer_port: ServiceProcess("scorer-bad-redis", "fraud_scorer.main", env,
                                             pipeline.workdir, f"http://127.0.0.1:{pipeline.scorer_port}/healthz"),
        board_port: ServiceProcess("dashboard-bad-redis", "fraud_dashboard.main", env,
                                   pipeline.workdir, f"http://127.0.0.1:{board_port}/healthz"),
    }  # fmt: skip
    for port, service in services.items():
        pipeline.processes.append(service.start())
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz")
        assert ready.status_code == 503
        assert "AuthenticationError" in ready.text
    scored = httpx.post(f"http://127.0.0.1:{pipeline.scorer_port}/v1/score",
                        json=Transaction.model_json_schema()["examples"][0])  # fmt: skip
    assert scored.status_code == 503
    assert "feature store unavailable" in scored.json()["detail"]
