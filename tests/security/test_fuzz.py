"""Fuzzing the scorer's and the dashboard's APIs from their own OpenAPI specs (schemathesis),
against the real processes on a real Redis and decision log: no 5xx, no hang, every rejection a
4xx that says why."""

import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraud_devstack.pipeline import LocalPipeline, private_topics
from fraudcore.decision_log import connect, migrate
from fraudcore.feature_rows import MEDIA_TYPE
from fraudcore.features import FEATURE_NAMES
from fraudcore.settings import DatabaseSettings, KafkaSettings

pytestmark = pytest.mark.integration
MAX_EXAMPLES = 150
ROW_BYTES = 4 * len(FEATURE_NAMES)
# Packed feature rows: whole rows of any float32 bits (NaN, infinities), or any bytes at all.
schemathesis.openapi.media_type(
    MEDIA_TYPE,
    st.one_of(
        st.integers(1, 4).flatmap(
            lambda n: st.binary(min_size=n * ROW_BYTES, max_size=n * ROW_BYTES)
        ),
        st.binary(max_size=3 * ROW_BYTES),
    ),
)


@pytest.fixture(scope="module")
def decision_log_url(postgres_url: str) -> Iterator[str]:
    """A migrated, empty decision log for the module (the dashboard's log endpoints answer 404,
    not the 503 of a dashboard without one)."""
    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urllib.parse.urlsplit(postgres_url)._replace(path=f"/{name}").geturl()
    with connect(DatabaseSettings(database_url=url)) as conn:
        migrate(conn)
    yield url
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def live(
    kafka_bootstrap, redis_url, decision_log_url, model_dir, tmp_path_factory
) -> Iterator[LocalPipeline]:
    topics = private_topics(KafkaSettings(kafka_bootstrap_servers=kafka_bootstrap))
    pipeline = LocalPipeline(
        kafka_bootstrap, redis_url, topics, tmp_path_factory.mktemp("fuzz"), model_dir
    )
    pipeline.start_scorer(SCORER_MAX_BATCH_ROWS=64)
    pipeline.dashboard = pipeline.start_dashboard(DATABASE_URL=decision_log_url)
    yield pipeline
    pipeline.stop_all()


@pytest.fixture(scope="module")
def scorer_schema(live: LocalPipeline):
    return schemathesis.openapi.from_url(f"http://127.0.0.1:{live.scorer_port}/openapi.json")


@pytest.fixture(scope="module")
def dashboard_schema(live: LocalPipeline):
    schema = schemathesis.openapi.from_url(f"{live.dashboard.url}/openapi.json")
    return schema.exclude(path="/api/stream")  # an endless event stream: covered by its own tests


def check(case) -> None:
    response = case.call(timeout=10)  # a hang fails here
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )
    if response.status_code >= 400:
        detail = response.json().get("detail")
        assert detail, f"{response.status_code} without a reason: {response.text[:200]}"


def fuzz(schema) -> list[str]:
    """Every operation of the schema, MAX_EXAMPLES generated requests each; the checked ones."""
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def run(case) -> None:
            check(case)

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")
    return checked


def test_no_response_names_the_server_software(live: LocalPipeline) -> None:
    for url in (f"http://127.0.0.1:{live.scorer_port}/healthz", f"{live.dashboard.url}/healthz"):
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200
            assert response.headers.get("server") is None, url


def test_scorer_never_errors(scorer_schema) -> None:
    checked = fuzz(scorer_schema)
    assert {"POST /v1/score", "POST /v1/score/batch", "POST /v1/score/rows",
            "POST /v1/model/reload"} <= set(checked)  # fmt: skip


def test_dashboard_never_errors(dashboard_schema) -> None:
    checked = fuzz(dashboard_schema)
    assert {"GET /api/summary", "GET /api/alerts/{transaction_id}"} <= set(checked)
