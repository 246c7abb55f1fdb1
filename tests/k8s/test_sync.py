"""The chart copies of globals, shared schema definitions and env names equal their sources."""

import shutil
from pathlib import Path

import pytest

from fraud_k8scheck import sync
from fraud_k8scheck.objects import ROOT

pytestmark = pytest.mark.k8s


def test_every_chart_is_in_sync_with_its_sources() -> None:
    assert sync.drift(ROOT) == [], "run make k8s-sync"


def test_drift_is_detected_and_repaired(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "charts", tmp_path / "charts", ignore=shutil.ignore_patterns("*.tgz"))
    values = tmp_path / "charts" / "fraud-scorer" / "values.yaml"
    values.write_text(values.read_text().replace('clusterName: ""', "clusterName: stale"))
    schema = tmp_path / "charts" / "fraud-consumer" / "values.schema.json"
    schema.write_text(schema.read_text().replace('"CONSUMER_BATCH_MAX"', '"CONSUMER_BATCH_MAXX"'))
    assert set(sync.drift(tmp_path)) == {values, schema}
    sync.sync(tmp_path)
    assert sync.drift(tmp_path) == []
