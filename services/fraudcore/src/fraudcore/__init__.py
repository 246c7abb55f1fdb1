"""Shared core of the fraud detection platform.

Import what you need from its modules: ``fraudcore.schemas`` (events), ``fraudcore.settings``
(environment configuration), ``fraudcore.kafka_client`` and ``fraudcore.redis_client`` (typed
client configuration), ``fraudcore.metrics`` (metric names), ``fraudcore.devstack`` (local broker
and Redis for tests and development).
"""

__version__ = "0.1.0"
