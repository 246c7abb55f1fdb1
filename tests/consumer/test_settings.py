"""The consumer's model source: one directory, or the registry, which needs its database."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from fraud_consumer.settings import ConsumerSettings

BASE = {"kafka_bootstrap_servers": "127.0.0.1:9", "redis_url": "redis://127.0.0.1:1/0"}
DSN = "postgresql://fraud@127.0.0.1:1/fraud"


def _settings(**fields: object) -> ConsumerSettings:
    return ConsumerSettings(**{**BASE, "database_url": None, **fields})


def test_embedded_serves_a_directory_or_the_registry(tmp_path: Path) -> None:
    assert _settings(scoring_mode="embedded", model_dir=tmp_path).model_store_dir is None
    registry = _settings(scoring_mode="embedded", model_store_dir=tmp_path, database_url=DSN)
    assert registry.model_registry_poll_s == 10.0
    with pytest.raises(ValidationError, match="needs MODEL_DIR"):
        _settings(scoring_mode="embedded")


def test_the_registry_needs_its_database_and_embedded_scoring(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="MODEL_STORE_DIR needs DATABASE_URL"):
        _settings(scoring_mode="embedded", model_store_dir=tmp_path)
    with pytest.raises(ValidationError, match="MODEL_STORE_DIR needs SCORING_MODE=embedded"):
        _settings(scoring_mode="remote", model_store_dir=tmp_path, database_url=DSN)
