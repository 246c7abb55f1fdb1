"""Chart conventions: a README generated from the values (helm-docs) that is up to date, a
NOTES.txt, one version across the charts with a CHANGELOG entry, and `helm package` works."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from fraud_k8scheck import helm
from fraud_k8scheck.components import CHARTS, LIBRARY
from fraud_k8scheck.objects import CHARTS_DIR

pytestmark = pytest.mark.k8s


def _version(chart: str) -> str:
    return str(yaml.safe_load((CHARTS_DIR / chart / "Chart.yaml").read_text())["version"])


def test_every_readme_is_what_helm_docs_makes_of_the_values(
    helm_docs_binary: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "charts"
    shutil.copytree(CHARTS_DIR, copy, ignore=shutil.ignore_patterns("*.tgz", "README.md"))
    subprocess.run(
        [
            str(helm_docs_binary),
            "--chart-search-root",
            str(copy),
            "--log-level",
            "warning",
            "--ignore-file",
            str(copy / ".helmdocsignore"),
        ],
        check=True,
        capture_output=True,
    )
    for chart in CHARTS:
        fresh = (copy / chart / "README.md").read_text()
        assert (CHARTS_DIR / chart / "README.md").read_text() == fresh, f"{chart}: make k8s-docs"
        assert "| Key | Type | Default | Description |" in fresh


def test_every_documented_value_has_a_description_in_the_readme() -> None:
    for chart in CHARTS:
        rows = re.findall(r"^\| (\S+) \| \w+ \| .* \|(.*)\|$", (CHARTS_DIR / chart / "README.md")
                          .read_text(), re.M)  # fmt: skip
        assert rows, chart
        empty = [key for key, description in rows if not description.strip()]
        # Members of a described parent (resource amounts, probe timings) explain themselves.
        assert all(
            re.search(r"\.(requests|limits|startup|liveness|readiness)\.", k) for k in empty
        ), (
            chart,
            empty,
        )


@pytest.mark.parametrize("chart", [c for c in CHARTS if c != LIBRARY])
def test_every_installable_chart_has_notes(chart: str) -> None:
    assert (CHARTS_DIR / chart / "templates" / "NOTES.txt").is_file()


def test_one_version_for_every_chart_and_its_changelog_entry() -> None:
    versions = {chart: _version(chart) for chart in (*CHARTS, LIBRARY)}
    assert len(set(versions.values())) == 1, versions
    (version,) = set(versions.values())
    for chart in CHARTS:
        for dependency in yaml.safe_load((CHARTS_DIR / chart / "Chart.yaml").read_text()).get(
            "dependencies", []
        ):
            assert dependency["version"] == version, (chart, dependency["name"])
    changelog = (CHARTS_DIR / "CHANGELOG.md").read_text()
    assert f"\n## {version}\n" in changelog


def test_every_chart_packages(built_charts: Path, tmp_path: Path) -> None:
    for chart in (LIBRARY, *CHARTS):
        result = helm.run(["package", str(CHARTS_DIR / chart), "--destination", str(tmp_path)])
        assert result.returncode == 0, result.output
        assert (tmp_path / f"{chart}-{_version(chart)}.tgz").is_file()
