"""``fraud-train eda``: the world dataset in, reports/eda/index.html and its figures out."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from fraud_simulator.catalog import SCENARIOS
from fraud_training.data import read_world
from fraud_training.eda import tables
from fraud_training.eda.derive import with_derived
from fraud_training.eda.report import build_sections, engineered_section, write_report
from fraud_training.world_features import world_features
from fraudcore.features import FEATURE_NAMES

log = logging.getLogger(__name__)


def eda(data: Path, out: Path, cache_dir: Path | None = None) -> Path:
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    table = read_world(data)
    derived = with_derived(table)
    scenarios = [name for name in SCENARIOS if name in set(table["scenario"])]
    features = world_features(table, cache_dir)
    engineered = tables.engineered_feature_ap(derived, features, FEATURE_NAMES, scenarios)
    sections = build_sections(derived, out, engineered)
    sections.append(engineered_section(engineered, out))
    page = write_report(sections, out, data.name)
    log.info("EDA written to %s in %.0f s", page, time.perf_counter() - began)
    return page
