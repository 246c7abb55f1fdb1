"""Prometheus scrape configs and Grafana provisioning for docker compose and local processes.

Kubernetes discovers targets through ServiceMonitors/PodMonitors in the Helm charts instead;
those must keep the ``job`` label equal to ``Job.name``, which the alert rules select on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fraud_monitoring.contract import JOBS, Job

PROMETHEUS_URL = "http://prometheus:9090"  # compose service name and the contract's port
DATASOURCE_UID = "prometheus"
DASHBOARDS_DIR = "/var/lib/grafana/dashboards"  # where compose mounts the generated JSON
RULES_GLOB = "/etc/prometheus/rules/*.yml"  # where compose mounts the generated rule file


def prometheus_config(
    targets: Mapping[str, Sequence[str]],
    *,
    rule_files: Sequence[str] = (),
    scrape_interval: str = "5s",
    jobs: Sequence[Job] = JOBS,
) -> dict[str, Any]:
    """A prometheus.yml scraping ``targets[job.name]`` (host:port list) for every job.

    5 s keeps a 35 ms-budget pipeline's graphs responsive; rules evaluate at the same pace.
    """
    return {
        "global": {
            "scrape_interval": scrape_interval,
            "evaluation_interval": scrape_interval,
            "external_labels": {"system": "fraud-detection"},
        },
        "rule_files": list(rule_files),
        "scrape_configs": [
            {
                "job_name": job.name,
                "metrics_path": job.path,
                "static_configs": [{"targets": list(targets[job.name])}],
            }
            for job in jobs
        ],
    }


def compose_targets() -> dict[str, list[str]]:
    return {job.name: [f"{job.compose_host}:{job.port}"] for job in JOBS}


def local_targets(host: str = "127.0.0.1") -> dict[str, list[str]]:
    """The services run as local processes (``make dev``) on their default ports."""
    return {job.name: [f"{host}:{job.port}"] for job in JOBS}


def grafana_datasources(*, scrape_interval: str = "5s") -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Prometheus",
                "uid": DATASOURCE_UID,
                "type": "prometheus",
                "access": "proxy",
                "url": PROMETHEUS_URL,
                "isDefault": True,
                "editable": False,
                # Grafana's $__rate_interval needs the real scrape interval to stay >= 4 scrapes.
                "jsonData": {"timeInterval": scrape_interval},
            }
        ],
    }


def grafana_dashboard_provider() -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "fraud-detection",
                "folder": "Fraud detection",
                "type": "file",
                "disableDeletion": True,
                "allowUiUpdates": False,  # the generator owns these dashboards
                "updateIntervalSeconds": 30,
                "options": {"path": DASHBOARDS_DIR, "foldersFromFilesStructure": False},
            }
        ],
    }
