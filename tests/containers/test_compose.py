"""docker-compose.yml agrees with the settings classes, the scrape config and the topic contract.

Static checks (no containers): `make containers-check` runs the stack itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from fraud_consumer.settings import BackfillSettings, ConsumerSettings
from fraud_dashboard.settings import DashboardSettings
from fraud_decisions.settings import DecisionsSettings
from fraud_devstack.redis_server import AOF_REWRITE_MIN_SIZE
from fraud_models.settings import ModelsSettings
from fraud_producer.settings import ProducerSettings, WorldSettings
from fraud_scorer.settings import ScorerSettings
from fraudcore.clock import marker_ttl_s
from fraudcore.settings import TopicSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, type[BaseSettings]] = {
    "producer": ProducerSettings,
    "consumer": ConsumerSettings,
    "scorer": ScorerSettings,
    "dashboard": DashboardSettings,
}
# The port each service serves /metrics on, and the setting that moves it.
METRICS_PORT_SETTING = {
    "producer": "METRICS_PORT",
    "consumer": "METRICS_PORT",
    "scorer": "SCORER_PORT",
    "dashboard": "DASHBOARD_PORT",
}


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(ROOT / "docker-compose.yml")


@pytest.fixture(scope="module")
def ci_override() -> dict[str, Any]:
    return load(ROOT / "tests/containers/compose.ci.yml")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "use the mapping form of environment"
    return {str(key): str(value) for key, value in env.items()}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_environment_name_is_a_setting_and_the_values_validate(
    compose: dict[str, Any], ci_override: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_class = SETTINGS[name]
    known = {field.upper() for field in settings_class.model_fields}
    env = environment(compose["services"][name])
    env.update(environment(ci_override["services"].get(name, {})))
    assert env, f"{name} takes no settings from compose"
    unknown = sorted(set(env) - known)
    assert not unknown, f"{name}: not settings of {settings_class.__name__}: {unknown}"
    for field in known:  # the host's own environment must not help or hurt
        monkeypatch.delenv(field, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings_class()


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_our_services_run_unprivileged_on_a_read_only_root(
    compose: dict[str, Any], name: str
) -> None:
    service = compose["services"][name]
    assert str(service["user"]) == "10001"
    assert service["read_only"] is True
    assert "/tmp" in service["tmpfs"]
    assert service["cap_drop"] == ["ALL"]
    assert service["build"] == {"context": ".", "args": {"SERVICE": name}}


def test_ports_are_published_on_loopback_only(compose: dict[str, Any]) -> None:
    published = {name: service.get("ports", []) for name, service in compose["services"].items()}
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    defaults = {
        name: [re.sub(r"\$\{[A-Z_]+:-(\d+)\}", r"\1", str(port)).split(":")[1] for port in ports]
        for name, ports in published.items()
        if ports
    }
    assert defaults == {
        "kafka": ["9092"],
        "scorer": ["8000"],
        "dashboard": ["8501"],
        "prometheus": ["9090"],
        "grafana": ["3000"],
    }


def test_prometheus_scrapes_each_service_where_it_serves_metrics(compose: dict[str, Any]) -> None:
    scrape = load(ROOT / "services/monitoring/compose/prometheus.yml")
    targets = {
        job["job_name"]: target
        for job in scrape["scrape_configs"]
        for config in job["static_configs"]
        for target in config["targets"]
    }
    for name, setting in METRICS_PORT_SETTING.items():
        port = environment(compose["services"][name])[setting]
        assert targets[f"fraud-{name}"] == f"{name}:{port}"
    mounts = compose["services"]["prometheus"]["volumes"]
    assert (
        "./services/monitoring/compose/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts
    )


def test_kafka_init_creates_the_contract_topics_with_three_partitions(
    compose: dict[str, Any],
) -> None:
    env = environment(compose["services"]["kafka-init"])
    topics = [
        env[f"TOPIC_{kind}"] for kind in ("TRANSACTIONS", "LABELS", "SCORED", "ALERTS", "DLQ")
    ]
    assert topics == TopicSettings().all_topics()
    assert env["TOPIC_PARTITIONS"] == "3"
    script = compose["services"]["kafka-init"]["command"][0]
    assert all(
        f'"$${name}"' in script
        for name in env
        if name.startswith("TOPIC_") and name != "TOPIC_PARTITIONS"
    )


def test_the_consumer_scores_remotely_through_the_scorer_service(compose: dict[str, Any]) -> None:
    env = environment(compose["services"]["consumer"])
    assert env["SCORING_MODE"] == "remote"
    assert (
        env["SCORER_URL"]
        == f"http://scorer:{environment(compose['services']['scorer'])['SCORER_PORT']}"
    )


def dockerfile_stages() -> dict[str, list[str]]:
    """The Dockerfile's stages: name -> its lines, the first being its FROM."""
    stages: dict[str, list[str]] = {}
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("FROM "):
            current = line.split(" AS ")[-1] if " AS " in line else "(image)"
            stages[current] = []
        if stages and not line.startswith("#"):
            stages[current].append(line)
    return stages


def lineage(stages: dict[str, list[str]], name: str) -> list[str]:
    """A stage and the stages it is built FROM, nearest first."""
    chain = [name]
    while (parent := stages[chain[-1]][0].split()[1]) in stages:
        chain.append(parent)
    return chain


def test_one_dockerfile_builds_every_service_by_its_build_argument() -> None:
    stages = dockerfile_stages()
    assert stages["(image)"] == ["FROM ${SERVICE}"], "the last stage is the service's own"
    assert set(SETTINGS) <= set(stages)
    assert [line for line in stages["builder"] if "uv sync" in line] == [
        '    uv sync --frozen --no-dev --no-install-workspace --package "fraud-${SERVICE}"',
        '    uv sync --frozen --no-dev --no-editable --package "fraud-${SERVICE}" \\',
    ]


def test_every_built_service_takes_the_one_dockerfile(compose: dict[str, Any]) -> None:
    """One-off steps (the warm start's history and backfill) included: no per-service file."""
    built = {name: service for name, service in compose["services"].items() if "build" in service}
    assert {"history", "backfill", *SETTINGS} <= set(built)
    for name, service in built.items():
        assert service["build"].get("dockerfile", "Dockerfile") == "Dockerfile", name
        assert service["image"].startswith(f"fraud-{service['build']['args']['SERVICE']}:"), name


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_image_follows_the_image_rules(name: str) -> None:
    stages = dockerfile_stages()
    chain = lineage(stages, name)
    assert chain[-1] == "runtime"
    assert stages["runtime"][0] == "FROM python:3.11-slim AS runtime"
    inherited = [line for stage in chain for line in stages[stage]]
    assert "USER 10001:10001" in inherited
    assert "COPY --from=builder /opt/venv /opt/venv" in inherited
    own = "\n".join(stages[name])
    assert "\nHEALTHCHECK " in own
    assert "/healthz" in own
    assert f'ENTRYPOINT ["fraud-{name}"]' in stages[name]
    assert any("/app/model/" in line for line in inherited) == (name in {"scorer", "consumer"})


def test_grafana_loads_the_generated_provisioning_and_dashboard(compose: dict[str, Any]) -> None:
    """Grafana's image cannot run here, so its wiring is checked statically."""
    provisioning = ROOT / "services/monitoring/compose/grafana/provisioning"
    mounts = dict(volume.split(":")[:2] for volume in compose["services"]["grafana"]["volumes"])
    assert (
        mounts["./services/monitoring/compose/grafana/provisioning"] == "/etc/grafana/provisioning"
    )
    dashboards = mounts["./charts/fraud-detection/files/grafana"]
    provider = load(provisioning / "dashboards/fraud-detection.yml")["providers"][0]
    assert provider["options"]["path"] == dashboards
    assert (ROOT / "charts/fraud-detection/files/grafana/fraud-pipeline-overview.json").is_file()
    home = compose["services"]["grafana"]["environment"][
        "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"
    ]
    assert home == f"{dashboards}/fraud-pipeline-overview.json"
    datasource = load(provisioning / "datasources/prometheus.yml")["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    assert "prometheus" in compose["services"]
    grafana = environment(compose["services"]["grafana"])
    for setting in ("REPORTING_ENABLED", "CHECK_FOR_UPDATES", "CHECK_FOR_PLUGIN_UPDATES"):
        assert grafana[f"GF_ANALYTICS_{setting}"] == "false", "it would call grafana.com"


def test_the_warm_start_runs_before_the_consumer_on_the_producers_world(
    compose: dict[str, Any], ci_override: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = compose["services"]
    history, backfill = services["history"], services["backfill"]
    assert history["command"][0] == "history"
    assert backfill["command"][:3] == ["backfill", "--history", history["command"][2]]
    assert services["consumer"]["depends_on"]["backfill"] == {
        "condition": "service_completed_successfully"
    }
    for one_off in (history, backfill):
        assert one_off["restart"] == "no"
        assert "depends_on" not in one_off  # podman 4.3: see the comment in docker-compose.yml
        assert str(one_off["user"]) == "10001"
        assert one_off["read_only"] is True
    for name, settings_class in (("history", WorldSettings), ("backfill", BackfillSettings)):
        env = environment(services[name])
        env.update(environment(ci_override["services"].get(name, {})))
        assert set(env) <= {field.upper() for field in settings_class.model_fields}, name
    # The history is the producer's world, and its payments outlive their labels at that speed
    # (live decisions wait for theirs in the decision log, at any delay).
    producer = environment(services["producer"])
    speed = float(producer.pop("PRODUCER_SPEED"))
    world = {k: v for k, v in producer.items() if k.startswith("PRODUCER")}
    assert world == environment(history)
    assert int(environment(backfill)["RESULT_TTL_S"]) >= marker_ttl_s(speed)
    assert environment(services["consumer"])["DATABASE_URL"]
    for key, value in world.items():
        monkeypatch.setenv(key, value)
    assert WorldSettings().producer_history_days == 56


def test_the_decision_log_is_migrated_before_the_consumer_writes_to_it(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    services = compose["services"]
    migrate, consumer = services["migrate"], services["consumer"]
    assert migrate["command"][0] == "migrate"
    assert migrate["build"] == {"context": ".", "args": {"SERVICE": "decisions"}}
    assert consumer["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert migrate["restart"] == "no"
    assert "depends_on" not in migrate  # it waits for the database itself (--wait-s)
    assert (str(migrate["user"]), migrate["read_only"]) == ("10001", True)
    env = environment(migrate)
    assert {k: v for k, v in environment(consumer).items() if k.startswith("DATABASE_")} == {
        k: v for k, v in env.items() if k.startswith("DATABASE_")
    }
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert set(env) <= {field.upper() for field in DecisionsSettings.model_fields}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    DecisionsSettings()
    assert 'ENTRYPOINT ["fraud-decisions"]' in dockerfile_stages()["decisions"]


def test_the_registry_commands_run_hardened_on_the_decision_logs_database(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """fraud-models beside the platform (only when asked: its profile), on the consumer's
    database, its artifact store on a volume at the image's MODEL_STORE_DIR."""
    services = compose["services"]
    models, consumer = services["models"], services["consumer"]
    assert models["profiles"] == ["models"]
    assert models["build"] == {"context": ".", "args": {"SERVICE": "models"}}
    assert models["restart"] == "no"
    assert (str(models["user"]), models["read_only"]) == ("10001", True)
    assert models["cap_drop"] == ["ALL"]
    env = environment(models)
    assert {k: v for k, v in env.items() if k.startswith("DATABASE_")} == {
        k: v for k, v in environment(consumer).items() if k.startswith("DATABASE_")
    }
    assert models["volumes"] == [f"model-store:{env['MODEL_STORE_DIR']}"]
    assert "model-store" in compose["volumes"]
    assert set(env) <= {field.upper() for field in ModelsSettings.model_fields}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert ModelsSettings().model_store_dir == Path(env["MODEL_STORE_DIR"])
    stage = dockerfile_stages()["models"]
    assert 'ENTRYPOINT ["fraud-models"]' in stage
    assert f"MODEL_STORE_DIR={env['MODEL_STORE_DIR']}" in " ".join(stage)
    assert [line for line in stage if line.startswith("USER ")][-1] == "USER 10001:10001"
    assert lineage(dockerfile_stages(), "models")[1:] == ["scoring", "runtime"]  # the model too


def test_the_dashboard_reads_the_log_and_sends_verdicts_where_the_consumer_does(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    dashboard, consumer = environment(services["dashboard"]), environment(services["consumer"])
    shared = ("DATABASE_URL", "DATABASE_PASSWORD", "KAFKA_BOOTSTRAP_SERVERS", "TOPIC_LABELS")
    assert {k: dashboard.get(k) for k in shared} == {k: consumer[k] for k in shared}
    assert services["dashboard"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


def test_redis_keeps_an_append_only_file_rewritten_as_late_as_the_devstacks(
    compose: dict[str, Any],
) -> None:
    """The same persistence as the tests' and the benchmark's Redis (and the chart's)."""
    command = compose["services"]["redis"]["command"]
    options = dict(zip(command[1::2], command[2::2], strict=True))
    assert options == {
        "--appendonly": "yes",
        "--appendfsync": "everysec",
        "--auto-aof-rewrite-min-size": AOF_REWRITE_MIN_SIZE,
    }
