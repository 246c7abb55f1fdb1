"""Our feature module's offline replay for a world dataset, cached beside the data file: the EDA
and training read the same matrix, computed once per (data, feature code) pair."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.data import table_digest
from fraudcore.code_digest import FEATURES, code_digest
from fraudcore.features import FEATURE_NAMES, replay

log = logging.getLogger(__name__)


def world_features(table: pd.DataFrame, cache_dir: Path | None = None) -> npt.NDArray[np.float64]:
    """The (rows x len(FEATURE_NAMES)) float64 matrix; reused from ``cache_dir`` when the same
    data went through the same feature code before."""
    key = hashlib.sha256((table_digest(table) + code_digest(FEATURES)).encode()).hexdigest()[:16]
    cached = cache_dir / f"features-{key}.npy" if cache_dir else None
    if cached is not None and cached.exists():
        log.info("features from cache %s", cached)
        return np.asarray(np.load(cached), dtype=np.float64)
    began = time.perf_counter()
    matrix = replay(table)
    elapsed = time.perf_counter() - began
    log.info("features: %d rows x %d in %.1f s (%.0f rows/s)", len(table), len(FEATURE_NAMES),
             elapsed, len(table) / max(elapsed, 1e-9))  # fmt: skip
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.save(cached, matrix)
    return matrix
