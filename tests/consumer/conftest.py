"""Payments for the consumer's in-process tests: ``transactions(count)`` as a fixture."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from fraudcore.decision_log import connect
from fraudcore.model_registry import (
    Event,
    ModelStore,
    Status,
    migrate,
    promote,
    register,
    rollback,
)
from fraudcore.schemas import Transaction
from fraudcore.settings import DatabaseSettings

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


@dataclass
class Registry:
    """A decision log and a model registry in one fresh database, an artifact store with two
    registered models (``CHAMPION`` serving, ``CHALLENGER`` a candidate), and the registry's
    own commands to change what serves."""

    settings: DatabaseSettings
    store: ModelStore

    def env(self) -> dict[str, str]:
        """What a consumer process needs to serve from this registry."""
        return {"DATABASE_URL": self.settings.database_url, "MODEL_STORE_DIR": str(self.store.root)}

    def promote(self, version: str, to: Status) -> list[Event]:
        with connect(self.settings) as conn:
            return promote(conn, version, to, "test", f"{version} to {to.value}")

    def rollback(self) -> list[Event]:
        with connect(self.settings) as conn:
            return rollback(conn, "test", "back")


CHAMPION, CHALLENGER = "test-model-1", "test-model-2"  # model_dir's and challenger_dir's


@pytest.fixture
def model_registry(
    decision_log_factory, model_dir: Path, challenger_dir: Path, tmp_path: Path
) -> Registry:
    settings = decision_log_factory()
    store = ModelStore(tmp_path / "model-store")
    with connect(settings) as conn:
        migrate(conn)
        register(conn, store, model_dir, actor="test", reason="first", data_digest="d" * 64)
        register(conn, store, challenger_dir, actor="test", reason="a retrain")
        promote(conn, CHAMPION, Status.CHAMPION, "test", "first model")
    return Registry(settings, store)
