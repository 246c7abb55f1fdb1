"""A migrated, empty registry per test, an artifact store, and model directories to register."""

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from fraudcore.decision_log import connect
from fraudcore.model_card import CARD_FILE
from fraudcore.model_registry import ModelStore, migrate
from fraudcore.settings import DatabaseSettings

DATA_DIGEST = "d" * 64


@pytest.fixture
def registry_settings(database_factory) -> DatabaseSettings:
    settings = database_factory()
    with connect(settings) as conn:
        migrate(conn)
    return settings


@pytest.fixture
def registry_db(registry_settings) -> Iterator[psycopg.Connection]:
    conn = connect(registry_settings)
    yield conn
    conn.close()


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "store")


VariantFactory = Callable[..., Path]


def write_variant(source: Path, target: Path, version: str, **card_fields: object) -> Path:
    """A copy of a model directory whose card names another version (so other card bytes)."""
    shutil.copytree(source, target)
    card = json.loads((target / CARD_FILE).read_text())
    card.update({"model_version": version, "data": {"sha256": DATA_DIGEST}}, **card_fields)
    (target / CARD_FILE).write_text(json.dumps(card, indent=2))
    return target


@pytest.fixture
def variant(model_dir: Path, tmp_path: Path) -> VariantFactory:
    """variant(version, **card fields) -> a servable model directory of that version."""
    return lambda version, **fields: write_variant(
        model_dir, tmp_path / "sources" / version, version, **fields
    )
