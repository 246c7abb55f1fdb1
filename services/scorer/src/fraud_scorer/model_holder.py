"""The model in use, swapped atomically on reload: a request takes one reference at its start
and finishes on that model even if a reload lands meanwhile."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from fraudcore.model import ModelBundle
from fraudcore.model_card import CARD_FILE, ONNX_FILE, XGBOOST_FILE

log = logging.getLogger(__name__)


class ModelHolder:
    def __init__(self, directory: Path, intra_op_threads: int) -> None:
        self.directory = directory
        self.intra_op_threads = intra_op_threads
        self._lock = threading.Lock()
        self._current: ModelBundle | None = None
        self._signature: tuple[float, ...] = ()

    @property
    def current(self) -> ModelBundle:
        model = self._current
        if model is None:
            raise RuntimeError("no model loaded")
        return model

    @property
    def loaded(self) -> bool:
        return self._current is not None

    def _files_signature(self) -> tuple[float, ...]:
        names = (CARD_FILE, ONNX_FILE, XGBOOST_FILE)
        return tuple(
            (self.directory / n).stat().st_mtime if (self.directory / n).exists() else 0.0
            for n in names
        )

    def reload(self) -> ModelBundle:
        """Load and validate the artifacts, then swap; a bad model raises and changes nothing."""
        with self._lock:
            signature = self._files_signature()
            model = ModelBundle.load(self.directory, self.intra_op_threads)
            previous, self._current, self._signature = self._current, model, signature
        log.info(
            "model %s loaded (was %s)", model.version, previous.version if previous else "none"
        )
        return model

    def reload_if_changed(self) -> ModelBundle | None:
        """Reload when the files changed since the last attempt; a refused change is not retried
        until the files change again."""
        signature = self._files_signature()
        if signature == self._signature:
            return None
        try:
            return self.reload()
        finally:
            self._signature = signature
