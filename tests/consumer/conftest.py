"""Payments for the consumer's in-process tests (``transactions(count)``), and a real scorer
process serving the model registry for its remote mode."""

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from fraud_devstack.pipeline import LocalPipeline
from fraudcore.schemas import Transaction
from fraudcore.settings import TopicSettings

EXAMPLE = Transaction.model_json_schema()["examples"][0]
START = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)


def _transactions(count: int, cards: int = 7, prefix: str = "tx") -> list[Transaction]:
    """A minute apart from START, over ``cards`` cards and three merchants."""
    return [
        Transaction.model_validate(
            {**EXAMPLE, "transaction_id": f"{prefix}-{i:04d}", "card_id": f"card-{i % cards}",
             "merchant_id": f"merch-{i % 3}", "amount": 10.0 + i * 37.5,
             "event_time": (START + dt.timedelta(minutes=i)).isoformat()}
        )
        for i in range(count)
    ]  # fmt: skip


@pytest.fixture
def transactions() -> Callable[..., list[Transaction]]:
    return _transactions


@pytest.fixture
def registry_scorer_url(model_registry, redis_settings, model_dir, tmp_path) -> Iterator[str]:
    """A real fraud-scorer process serving the model registry's models; its base URL."""
    scorer = LocalPipeline(
        kafka="127.0.0.1:9",  # the scorer never talks to Kafka
        redis_url=redis_settings.redis_url,
        topics=TopicSettings(),
        workdir=tmp_path / "scorer",
        model_dir=model_dir,
        prefix=redis_settings.redis_key_prefix,
    )
    scorer.start_scorer(**model_registry.env())
    try:
        yield f"http://127.0.0.1:{scorer.scorer_port}"
    finally:
        scorer.stop_all()
