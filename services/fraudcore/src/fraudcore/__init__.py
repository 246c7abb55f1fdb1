"""Shared core of the fraud detection platform.

Import what you need from its modules: ``fraudcore.schemas`` (events), ``fraudcore.settings``
(environment configuration), ``fraudcore.kafka_client`` and ``fraudcore.redis_client`` (typed
client configuration), ``fraudcore.metrics`` (metric names). The Redis contract between the
consumer and its readers: ``fraudcore.redis_keys`` (every key), ``fraudcore.feature_store`` (card
and merchant state, the one reader and writer of its layout), ``fraudcore.live_stats``
(statistics, latency histograms) and ``fraudcore.live_streams`` (map points and alerts).
"""

__version__ = "0.1.0"
