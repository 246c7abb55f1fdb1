"""The four service charts and which of their settings the charts wire themselves.

Each chart passes settings as environment variables named exactly like the fields of the
service's settings class. Some are wired by the chart (connection strings, ports, secrets);
the rest can be set through the chart's ``config`` value, whose schema lists exactly them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings

from fraud_consumer.settings import ConsumerSettings
from fraud_dashboard.settings import DashboardSettings
from fraud_producer.settings import ProducerSettings
from fraud_scorer.settings import ScorerSettings

_KAFKA = (
    "KAFKA_BOOTSTRAP_SERVERS",
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_CLIENT_ID",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
)
_TOPICS = ("TOPIC_TRANSACTIONS", "TOPIC_LABELS", "TOPIC_SCORED", "TOPIC_ALERTS", "TOPIC_DLQ")
_REDIS = ("REDIS_URL", "REDIS_PASSWORD")
_SCORER_CLIENT = ("SCORER_URL", "SCORER_API_KEY", "SCORING_MODE")
_GROUP = ("CONSUMER_GROUP_ID", "CONSUMER_INSTANCE_ID")  # the instance id is the pod's name
# global.world: the stream and the consumer's warm start agree on it; RESULT_TTL_S follows speed.
_WORLD = (
    "PRODUCER_SEED", "PRODUCER_CUSTOMERS", "PRODUCER_WORLD_START", "PRODUCER_HISTORY_DAYS",
    "PRODUCER_SPEED",
)  # fmt: skip

# global.database: the decision log's DSN (no password in it) and the password from a Secret.
_DATABASE = ("DATABASE_URL", "DATABASE_PASSWORD")
# global.modelRegistry: the artifact store's mount (the registry itself is in global.database).
_MODEL_STORE = ("MODEL_STORE_DIR",)

# Settings the charts do not offer, with the reason (a client certificate needs mounted files).
UNSUPPORTED: dict[str, str] = {
    "KAFKA_SSL_KEY_PASSWORD": "mutual TLS to Kafka needs certificate volumes, not mounted",
}


@dataclass(frozen=True)
class Component:
    name: str  # the chart is charts/fraud-<name>, the umbrella's alias is <name>
    settings: type[BaseSettings]
    wired: tuple[str, ...]  # set by templates from other values, never through `config`

    @property
    def chart(self) -> str:
        return f"fraud-{self.name}"

    def env_names(self) -> set[str]:
        return {field.upper() for field in self.settings.model_fields}

    def secret_names(self) -> set[str]:
        return {
            field.upper()
            for field, info in self.settings.model_fields.items()
            if SecretStr in _types(info.annotation)
        }

    def unsupported_names(self) -> set[str]:
        return set(UNSUPPORTED) & self.env_names()

    def config_names(self) -> set[str]:
        """What `config` may hold: every setting not wired, not secret and not unsupported."""
        return self.env_names() - set(self.wired) - self.secret_names() - self.unsupported_names()


def _types(annotation: object) -> tuple[object, ...]:
    args = getattr(annotation, "__args__", None)
    return tuple(args) if args else (annotation,)


COMPONENTS: tuple[Component, ...] = (
    Component("producer", ProducerSettings, (*_KAFKA, *_TOPICS, *_WORLD, "METRICS_PORT")),
    Component(
        "consumer",
        ConsumerSettings,
        (
            *_KAFKA,
            *_TOPICS,
            *_REDIS,
            *_SCORER_CLIENT,
            *_GROUP,
            *_DATABASE,
            *_MODEL_STORE,
            "METRICS_PORT",
            "RESULT_TTL_S",
        ),
    ),
    Component(
        "scorer",
        ScorerSettings,
        (*_REDIS, *_DATABASE, *_MODEL_STORE, "SCORER_PORT", "SCORER_API_KEY"),
    ),
    Component(
        "dashboard",
        DashboardSettings,
        # Kafka only with verdicts on; the users file from a Secret.
        (*_KAFKA, *_TOPICS, *_REDIS, *_DATABASE, "DASHBOARD_PORT", "DASHBOARD_USERS_FILE"),
    ),
)
BY_NAME = {component.name: component for component in COMPONENTS}

# Charts in dependency order: the library, the components and Redis, then the umbrella.
LIBRARY = "fraud-common"
REDIS = "fraud-redis"
UMBRELLA = "fraud-detection"
CHARTS: tuple[str, ...] = (*(c.chart for c in COMPONENTS), REDIS, UMBRELLA)


def repo_root() -> Path:
    """The repository root: the nearest parent holding charts/ and pyproject.toml."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "charts").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    raise FileNotFoundError("no repository root above " + str(here))
