"""Real Kafka, Redis and PostgreSQL servers as local processes, for tests, benchmarks and
``make dev``.

The broker runs from the official Apache Kafka jars resolved from Maven Central; Redis is the
system's ``redis-server``; PostgreSQL is Debian's server. All bind to loopback only.
"""

from fraud_devstack.kafka_broker import KAFKA_VERSION, KafkaBroker, ensure_kafka_jars
from fraud_devstack.postgres_server import PostgresServer
from fraud_devstack.processes import free_port
from fraud_devstack.redis_server import RedisServer

__all__ = [
    "KAFKA_VERSION",
    "KafkaBroker",
    "PostgresServer",
    "RedisServer",
    "ensure_kafka_jars",
    "free_port",
]
