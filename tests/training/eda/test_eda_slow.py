"""The EDA page on a small world: every figure it links exists, the separability verdict shows."""

import re
from pathlib import Path

import pytest

from fraud_simulator.dataset import DatasetSpec, generate, write
from fraud_training.eda.command import eda


@pytest.mark.slow
def test_eda_writes_a_page_whose_figures_exist(tmp_path: Path) -> None:
    data = tmp_path / "world.parquet"
    write(generate(DatasetSpec(days=10, seed=3, customers=1_500)), data)
    page = eda(data, tmp_path / "eda")
    text = page.read_text()
    figures = re.findall(r'<img src="([^"]+)"', text)
    assert len(figures) >= 8
    assert all((page.parent / name).exists() for name in figures)
    assert "single raw field" in text
    assert "engineered" in text.lower()
