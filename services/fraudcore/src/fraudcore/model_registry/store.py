"""The artifact store: one directory per model version under a root (a volume in Kubernetes),
written once through a temporary directory and a rename, checked against the registered digests
before anything serves it."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from fraudcore.model_card import CARD_FILE, ONNX_FILE, XGBOOST_FILE
from fraudcore.model_registry.contract import ArtifactError

REQUIRED_FILES: tuple[str, ...] = (ONNX_FILE, XGBOOST_FILE, CARD_FILE)
OPTIONAL_FILES: tuple[str, ...] = ("model_card.md",)
_CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def artifact_digests(directory: Path) -> dict[str, str]:
    """sha256 of every artifact file in a model directory; ArtifactError if one is missing."""
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise ArtifactError(f"{directory} lacks {', '.join(missing)}")
    names = [*REQUIRED_FILES, *(n for n in OPTIONAL_FILES if (directory / n).is_file())]
    return {name: file_digest(directory / name) for name in names}


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, model_version: str) -> Path:
        return self.root / model_version

    def put(self, source: Path, model_version: str) -> dict[str, str]:
        """Copy a model directory in as ``model_version``; the same files again are a no-op,
        other files under a stored version are refused (a version names one model forever)."""
        digests = artifact_digests(source)
        target = self.path(model_version)
        if target.exists():
            stored = artifact_digests(target)
            if stored != digests:
                raise ArtifactError(
                    f"{target} already holds other files for {model_version}: a version is "
                    "written once; train a new version instead"
                )
            return digests
        self.root.mkdir(parents=True, exist_ok=True)
        incoming = self.root / f".incoming-{uuid.uuid4().hex}"
        incoming.mkdir()
        try:
            for name in digests:
                shutil.copyfile(source / name, incoming / name)
            if artifact_digests(incoming) != digests:
                raise ArtifactError(f"{source} changed while it was copied; register it again")
            try:
                os.rename(incoming, target)  # atomic: readers see all files or none
            except OSError:
                if not target.exists() or artifact_digests(target) != digests:
                    raise
                # Another register of the same files won the rename: the same outcome.
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
        return digests

    def verified(self, model_version: str, expected: dict[str, str]) -> Path:
        """The version's directory once every file matches its registered digest."""
        directory = self.path(model_version)
        if not directory.is_dir():
            raise ArtifactError(f"{directory} does not exist: the artifact store lost it")
        found = artifact_digests(directory)
        changed = sorted(name for name in expected if found.get(name) != expected[name])
        if changed:
            raise ArtifactError(
                f"{directory}: {', '.join(changed)} differ from the registered files"
            )
        return directory
