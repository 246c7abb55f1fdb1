import subprocess
from pathlib import Path

import pytest
import yaml

from fraud_monitoring import alerts, generate, scrape
from fraud_monitoring.contract import JOBS

ROOT = Path(__file__).resolve().parents[2]


def _targets(config: dict) -> dict[str, list[str]]:
    return {
        job["job_name"]: [t for sc in job["static_configs"] for t in sc["targets"]]
        for job in config["scrape_configs"]
    }


def test_compose_scrapes_every_service_by_its_dns_name() -> None:
    config = yaml.safe_load((ROOT / generate.PROMETHEUS_COMPOSE).read_text())
    assert _targets(config) == {
        "fraud-producer": ["producer:9101"],
        "fraud-consumer": ["consumer:9102"],
        "fraud-scorer": ["scorer:8000"],
        "fraud-dashboard": ["dashboard:8501"],
    }
    assert config["rule_files"] == [scrape.RULES_GLOB]


def test_local_variant_scrapes_loopback_and_loads_the_rule_file() -> None:
    path = ROOT / generate.PROMETHEUS_LOCAL
    config = yaml.safe_load(path.read_text())
    assert _targets(config) == {job.name: [f"127.0.0.1:{job.port}"] for job in JOBS}
    (rule_file,) = config["rule_files"]
    assert (path.parent / rule_file).resolve() == (ROOT / generate.RULES_FILE).resolve()


def test_alerts_select_the_job_names_the_scrape_configs_set() -> None:
    scraped = {
        job["job_name"]
        for job in scrape.prometheus_config(scrape.compose_targets())["scrape_configs"]
    }
    selected = {alert.job.name for alert in alerts.alerts()}
    assert selected <= scraped == {job.name for job in JOBS}


@pytest.mark.parametrize("path", [generate.PROMETHEUS_COMPOSE, generate.PROMETHEUS_LOCAL])
def test_configs_pass_promtool(promtool: str, path: Path) -> None:
    result = subprocess.run(
        [promtool, "check", "config", path.name],
        cwd=ROOT / path.parent,  # rule_files resolve relative to the config file
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_grafana_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    datasources = yaml.safe_load((ROOT / generate.GRAFANA_DATASOURCES).read_text())
    (source,) = datasources["datasources"]
    assert (source["type"], source["url"], source["isDefault"]) == (
        "prometheus",
        "http://prometheus:9090",
        True,
    )
    config = yaml.safe_load((ROOT / generate.PROMETHEUS_COMPOSE).read_text())
    assert source["jsonData"]["timeInterval"] == config["global"]["scrape_interval"]
    providers = yaml.safe_load((ROOT / generate.GRAFANA_DASHBOARDS).read_text())
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == scrape.DASHBOARDS_DIR
