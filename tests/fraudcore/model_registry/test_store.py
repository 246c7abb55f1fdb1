"""The artifact store on a directory: written once and atomically, verified before use."""

from pathlib import Path

import pytest

from fraudcore.model_card import CARD_FILE, ONNX_FILE
from fraudcore.model_registry import ArtifactError, ModelStore
from fraudcore.model_registry.store import artifact_digests


def test_put_copies_every_artifact_and_leaves_no_temporary_directory(model_dir, tmp_path) -> None:
    store = ModelStore(tmp_path / "store")
    digests = store.put(model_dir, "v1")
    assert set(digests) >= {ONNX_FILE, CARD_FILE, "model.json"}
    assert artifact_digests(store.path("v1")) == digests
    assert [p.name for p in store.root.iterdir()] == ["v1"]
    assert store.put(model_dir, "v1") == digests  # the same files again: a no-op


def test_a_missing_file_is_refused_before_anything_is_stored(tmp_path: Path) -> None:
    source = tmp_path / "partial"
    source.mkdir()
    (source / CARD_FILE).write_text("{}")
    store = ModelStore(tmp_path / "store")
    with pytest.raises(ArtifactError, match=r"lacks model\.onnx, model\.json"):
        store.put(source, "v1")
    assert not store.root.exists()


def test_a_changed_or_lost_file_fails_verification(model_dir, tmp_path) -> None:
    store = ModelStore(tmp_path / "store")
    digests = store.put(model_dir, "v1")
    assert store.verified("v1", digests) == store.path("v1")
    (store.path("v1") / ONNX_FILE).write_bytes(b"not a model")
    with pytest.raises(ArtifactError, match=r"model\.onnx differ"):
        store.verified("v1", digests)
    with pytest.raises(ArtifactError, match="does not exist"):
        store.verified("v2", digests)
