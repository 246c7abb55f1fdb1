from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fraud_scorer.app import create_app
from fraud_scorer.settings import ScorerSettings

ScorerFactory = Callable[..., TestClient]


@pytest.fixture
def scorer_factory(redis_settings, model_dir: Path) -> Iterator[ScorerFactory]:
    """Starts the app (lifespan included) with overrides; stops every client at the end."""
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        options = {
            "redis_url": redis_settings.redis_url,
            "redis_key_prefix": redis_settings.redis_key_prefix,
            "model_dir": model_dir,
            "model_watch": False,
            **overrides,
        }
        client = TestClient(create_app(ScorerSettings(**options)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
