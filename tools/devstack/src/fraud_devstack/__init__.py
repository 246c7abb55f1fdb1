"""Real Kafka and Redis servers as local processes, for tests, benchmarks and ``make dev``.

The broker runs from the official Apache Kafka jars resolved from Maven Central; Redis is the
system's ``redis-server``. Both bind to loopback only.
"""

from fraud_devstack.kafka_broker import KAFKA_VERSION, KafkaBroker, ensure_kafka_jars
from fraud_devstack.processes import free_port
from fraud_devstack.redis_server import RedisServer

__all__ = ["KAFKA_VERSION", "KafkaBroker", "RedisServer", "ensure_kafka_jars", "free_port"]
