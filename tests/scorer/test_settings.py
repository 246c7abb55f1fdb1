"""The scorer's model source: one directory (MODEL_DIR), or the registry with its database."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from fraud_scorer.settings import ScorerSettings

DSN = "postgresql://fraud@db:5432/fraud"


def _settings(**values: object) -> ScorerSettings:
    # Whatever the environment says: none of its database or store unless given here.
    base = {"redis_url": "redis://127.0.0.1:1/0", "database_url": None, "model_store_dir": None}
    return ScorerSettings(**{**base, **values})


def test_the_registry_needs_its_database(tmp_path: Path) -> None:
    assert _settings(model_dir=tmp_path).model_store_dir is None
    registry = _settings(model_dir=tmp_path, model_store_dir=tmp_path, database_url=DSN)
    assert (registry.model_store_dir, registry.model_registry_poll_s) == (tmp_path, 10.0)
    with pytest.raises(ValidationError, match="MODEL_STORE_DIR needs DATABASE_URL"):
        _settings(model_dir=tmp_path, model_store_dir=tmp_path)
