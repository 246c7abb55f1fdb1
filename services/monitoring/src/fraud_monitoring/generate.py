"""Every generated monitoring file, by path relative to the repository root.

``make monitoring`` writes them; a test compares the committed files with a fresh generation,
so the dashboards and rules cannot drift from the generator or the metric contract.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from fraud_monitoring import alerts, dashboard, scrape
from fraud_monitoring.render import to_yaml

# The umbrella chart reads these with .Files.Get (Helm only reads files inside the chart).
DASHBOARD_JSON = PurePosixPath("charts/fraud-detection/files/grafana/fraud-pipeline-overview.json")
RULES_FILE = PurePosixPath("charts/fraud-detection/files/prometheus/fraud-alerts.rules.yml")
# For clusters without the chart: kubectl apply -f k8s/monitoring/
PROMETHEUS_RULE = PurePosixPath("k8s/monitoring/fraud-alerts.prometheusrule.yaml")
COMPOSE_DIR = PurePosixPath("services/monitoring/compose")
PROMETHEUS_COMPOSE = COMPOSE_DIR / "prometheus.yml"
PROMETHEUS_LOCAL = COMPOSE_DIR / "prometheus.local.yml"
GRAFANA_DATASOURCES = COMPOSE_DIR / "grafana/provisioning/datasources/prometheus.yml"
GRAFANA_DASHBOARDS = COMPOSE_DIR / "grafana/provisioning/dashboards/fraud-detection.yml"


def _relative(target: PurePosixPath, start: PurePosixPath) -> str:
    # Prometheus resolves rule_files relative to the config file's directory.
    return os.path.relpath(target, start).replace(os.sep, "/")


def render_all() -> dict[PurePosixPath, str]:
    return {
        DASHBOARD_JSON: dashboard.to_json(dashboard.build()),
        RULES_FILE: to_yaml(alerts.rule_groups()),
        PROMETHEUS_RULE: to_yaml(alerts.prometheus_rule()),
        PROMETHEUS_COMPOSE: to_yaml(
            scrape.prometheus_config(scrape.compose_targets(), rule_files=[scrape.RULES_GLOB])
        ),
        PROMETHEUS_LOCAL: to_yaml(
            scrape.prometheus_config(
                scrape.local_targets(), rule_files=[_relative(RULES_FILE, COMPOSE_DIR)]
            )
        ),
        GRAFANA_DATASOURCES: to_yaml(scrape.grafana_datasources()),
        GRAFANA_DASHBOARDS: to_yaml(scrape.grafana_dashboard_provider()),
    }


def write_all(root: Path) -> list[PurePosixPath]:
    """Write every file under ``root``; returns the paths whose content changed."""
    changed = []
    for path, text in render_all().items():
        target = root / path
        if target.exists() and target.read_text() == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        changed.append(path)
    return changed


def stale(root: Path) -> list[PurePosixPath]:
    """Paths under ``root`` that are missing or differ from a fresh generation."""
    return [
        path
        for path, text in render_all().items()
        if not (root / path).exists() or (root / path).read_text() != text
    ]
