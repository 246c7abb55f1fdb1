"""What the dashboard's routes share: settings, Redis, the hub, the figures, metrics, sign-in,
the analysts' cases, the rules and the models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from prometheus_client import CollectorRegistry

from fraud_dashboard.auth.access import Access
from fraud_dashboard.cases import CaseLog
from fraud_dashboard.decision_log import DecisionLog, QualityGauges, QualityMonitor
from fraud_dashboard.hub import Hub
from fraud_dashboard.label_publisher import LabelPublisher
from fraud_dashboard.model_desk import ModelDesk
from fraud_dashboard.rule_book import RuleBook
from fraud_dashboard.settings import DashboardSettings
from fraud_dashboard.summary import SummaryTracker
from fraudcore import metrics
from fraudcore.redis_client import AsyncRedisClient, connect_async
from fraudcore.redis_keys import RedisKeys


class DashboardMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.clients: Any = metrics.DASHBOARD_CLIENTS.create(registry)
        self.sent: Any = metrics.DASHBOARD_EVENTS_SENT.create(registry)
        self.delay: Any = metrics.DASHBOARD_DELIVERY_DELAY.create(registry)


@dataclass
class DashboardState:
    settings: DashboardSettings
    redis: AsyncRedisClient
    keys: RedisKeys
    hub: Hub
    tracker: SummaryTracker
    metrics: DashboardMetrics
    decision_log: DecisionLog
    quality: QualityMonitor
    access: Access
    cases: CaseLog
    rules: RuleBook
    models: ModelDesk

    @classmethod
    def build(cls, settings: DashboardSettings) -> DashboardState:
        keys = RedisKeys(settings.redis_key_prefix)
        redis = connect_async(settings)
        dashboard_metrics = DashboardMetrics(CollectorRegistry())
        decision_log = DecisionLog(settings.database())
        quality = QualityMonitor(
            decision_log,
            QualityGauges(dashboard_metrics.registry),
            days=settings.dashboard_quality_days,
            interval_s=settings.dashboard_quality_interval_s,
        )
        kafka = settings.kafka()
        publisher = None if kafka is None else LabelPublisher(kafka, settings.topic_labels)
        return cls(
            settings=settings,
            redis=redis,
            keys=keys,
            hub=Hub(redis, keys, alert_memory=settings.dashboard_backlog * 5 + 1_000),
            tracker=SummaryTracker(redis, keys, settings.dashboard_latency_budget_ms),
            metrics=dashboard_metrics,
            decision_log=decision_log,
            quality=quality,
            access=Access.build(settings, redis),
            cases=CaseLog(settings.database(), publisher),
            rules=RuleBook(settings.database()),
            models=ModelDesk(decision_log.connections),  # the same kept connections
        )


async def get_state(request: Request) -> DashboardState:
    # async: FastAPI runs a plain def dependency in a worker thread, a hand-off per request
    state: DashboardState = request.app.state.dashboard
    return state
