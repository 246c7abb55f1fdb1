"""The decision log's database (global.database): a CloudNativePG Cluster or an existing
PostgreSQL, its password only ever from a Secret, the schema migrated before the consumer starts
and the partitions kept by a CronJob, each accepted by the settings of what it runs."""

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fraud_decisions.settings import DecisionsSettings
from fraud_k8scheck import helm, security
from fraud_k8scheck.objects import SCENARIOS, UMBRELLA, named, of_kind
from fraud_k8scheck.validate import Validator
from fraud_models.settings import ModelsSettings

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]
# The scorer too, registry or not: it decides with the rules and lists in force, in the database.
CLIENTS = ("fraud-consumer", "fraud-dashboard", "fraud-scorer")
DSN = "postgresql://fraud@fraud-db-rw.fraud.svc.cluster.local:5432/fraud?sslmode=require"
CNPG_PASSWORD = {"secretKeyRef": {"name": "fraud-db-app", "key": "password"}}


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def _pod(objects: Objects, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = named(objects, "Deployment", name)["spec"]["template"]["spec"]
    return spec


def _maintain(objects: Objects) -> dict[str, Any]:
    cron = named(objects, "CronJob", "fraud-consumer-maintain")
    spec: dict[str, Any] = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return spec


def test_without_a_database_nothing_of_it_renders(render: Callable[..., Objects]) -> None:
    objects = render()
    assert of_kind(objects, "Cluster") == of_kind(objects, "CronJob") == []
    for name in CLIENTS:
        env = _env(_pod(objects, name)["containers"][0])
        data = named(objects, "ConfigMap", name)["data"]
        assert not [key for key in (*env, *data) if key.startswith("DATABASE_")]
    assert [c["name"] for c in _pod(objects, "fraud-consumer")["initContainers"]] == [
        "history", "backfill"
    ]  # fmt: skip


def test_cnpg_clients_get_the_dsn_and_the_operators_password(
    render: Callable[..., Objects],
) -> None:
    objects = render("cnpg")
    (cluster,) = of_kind(objects, "Cluster")
    assert cluster["metadata"]["name"] == "fraud-db"
    assert cluster["spec"]["bootstrap"]["initdb"] == {"database": "fraud", "owner": "fraud"}
    assert (cluster["spec"]["instances"], cluster["spec"]["enablePDB"]) == (3, True)
    assert cluster["spec"]["enableSuperuserAccess"] is False
    for name in CLIENTS:
        assert named(objects, "ConfigMap", name)["data"]["DATABASE_URL"] == DSN
        assert _env(_pod(objects, name)["containers"][0])["DATABASE_PASSWORD"] == CNPG_PASSWORD


def test_one_instance_has_no_disruption_budget_to_block_a_drain(
    render: Callable[..., Objects],
) -> None:
    (cluster,) = of_kind(render(None, "global.database.provider=cnpg"), "Cluster")
    assert (cluster["spec"]["instances"], cluster["spec"]["enablePDB"]) == (1, False)


def test_an_external_dsn_comes_whole_from_its_secret(render: Callable[..., Objects]) -> None:
    objects = render("external-db")
    assert not of_kind(objects, "Cluster")
    for name in CLIENTS:
        assert "DATABASE_URL" not in named(objects, "ConfigMap", name)["data"]
        env = _env(_pod(objects, name)["containers"][0])
        assert env["DATABASE_URL"] == {"secretKeyRef": {"name": "db-credentials", "key": "uri"}}
        assert "DATABASE_PASSWORD" not in env


def test_an_external_host_gets_a_dsn_and_the_password_from_its_secret(
    render: Callable[..., Objects],
) -> None:
    objects = render(
        None,
        "global.database.provider=external",
        "global.database.external.host=pg.example.internal",
        "global.database.external.existingSecret=pg",
        "global.database.sslMode=verify-full",
    )
    for name in CLIENTS:
        data = named(objects, "ConfigMap", name)["data"]
        assert data["DATABASE_URL"] == (
            "postgresql://fraud@pg.example.internal:5432/fraud?sslmode=verify-full"
        )
        env = _env(_pod(objects, name)["containers"][0])
        assert env["DATABASE_PASSWORD"] == {"secretKeyRef": {"name": "pg", "key": "password"}}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_password_in_any_configmap_or_plain_value(
    render: Callable[..., Objects], scenario: str
) -> None:
    objects = render(scenario)
    values = [str(v) for cm in of_kind(objects, "ConfigMap") for v in cm.get("data", {}).values()]
    for cron in of_kind(objects, "CronJob"):
        spec = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        values += [str(e.get("value")) for c in spec["containers"] for e in c.get("env", [])]
    for dsn in (v for v in values if v.startswith("postgres")):
        assert ":" not in dsn.split("://", 1)[1].split("@", 1)[0], dsn


@pytest.mark.parametrize("scenario", ["cnpg", "external-db"])
def test_migration_runs_before_the_consumer_and_upkeep_on_a_schedule(
    render: Callable[..., Objects], monkeypatch: pytest.MonkeyPatch, scenario: str
) -> None:
    objects = render(scenario)
    consumer = _pod(objects, "fraud-consumer")
    migrate = consumer["initContainers"][-1]
    assert (migrate["name"], migrate["image"]) == ("migrate", "fraud-decisions:0.1.0")
    assert migrate["command"] == ["fraud-decisions", "migrate", "--wait-s", "300"]
    maintain = _maintain(objects)
    (container,) = maintain["containers"]
    assert container["command"] == ["fraud-decisions", "maintain"]
    assert security.problems(maintain, job=True) == []
    expected_retention = "90" if scenario == "cnpg" else "180"
    assert _env(container)["DECISION_LOG_RETENTION_DAYS"] == expected_retention
    assert _env(container)["DECISION_LOG_CLOCK"] == "log"  # event time, whatever the world's
    # Both run with settings that fraud-decisions accepts (a Secret's value stands in).
    for env in (_env(migrate), _env(container)):
        for name in DecisionsSettings.model_fields:
            monkeypatch.delenv(name.upper(), raising=False)
        for name, value in env.items():
            secret = "postgresql://fraud:x@db:5432/fraud" if name == "DATABASE_URL" else "x"
            monkeypatch.setenv(name, value if isinstance(value, str) else secret)
        DecisionsSettings()
    secrets = {"DATABASE_URL", "DATABASE_PASSWORD"} if scenario == "cnpg" else {"DATABASE_URL"}
    assert set(_env(migrate)) == secrets


def test_retraining_runs_on_a_schedule_where_it_is_enabled(
    render: Callable[..., Objects], monkeypatch: pytest.MonkeyPatch
) -> None:
    """external-db enables it: fraud-models retrain, non-root and read-only like the other jobs,
    the store on its claim, scratch in /tmp, the gates as settings fraud-models accepts."""
    assert "fraud-consumer-retrain" not in {c["metadata"]["name"] for c in of_kind(
        render("cnpg"), "CronJob")}  # fmt: skip
    objects = render("external-db")
    cron = named(objects, "CronJob", "fraud-consumer-retrain")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    spec = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["command"][:2] == ["fraud-models", "retrain"]
    assert security.problems(spec, job=True) == []
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["model-store"]["persistentVolumeClaim"]["claimName"] == "fraud-models"
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert mounts == {"/var/lib/fraud-models", "/tmp"}
    env = _env(container)
    assert env["RETRAIN_PROMOTE"] == "false"  # never the champion unless configured
    for name in ModelsSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in env.items():
        secret = "postgresql://fraud:x@db:5432/fraud" if name == "DATABASE_URL" else "x"
        monkeypatch.setenv(name, value if isinstance(value, str) else secret)
    settings = ModelsSettings()
    assert (settings.gate_ap_margin, settings.gate_min_frauds) == (0.05, 30)
    assert str(settings.model_store_dir) == "/var/lib/fraud-models"


def test_case_history_is_kept_unless_a_retention_is_set(
    render: Callable[..., Objects], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unset by default (kept for good); set, the upkeep deletes it with a setting that
    fraud-decisions accepts; shorter than the decisions' own retention, refused at render."""
    (default,) = _maintain(render("cnpg"))["containers"]
    assert "CASE_RETENTION_DAYS" not in _env(default)
    key = "consumer.decisionLog.maintain.caseRetentionDays"
    (container,) = _maintain(render("cnpg", f"{key}=400"))["containers"]
    env = _env(container)
    assert env["CASE_RETENTION_DAYS"] == "400"
    for name in DecisionsSettings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://fraud:x@db:5432/fraud")
    for name in ("CASE_RETENTION_DAYS", "DECISION_LOG_RETENTION_DAYS"):
        monkeypatch.setenv(name, env[name])
    assert DecisionsSettings().case_retention_days == 400
    with pytest.raises(helm.HelmError, match="caseRetentionDays \\(60\\) is shorter than"):
        render("cnpg", f"{key}=60", "consumer.decisionLog.maintain.retentionDays=90")


def test_upkeep_can_be_turned_off(render: Callable[..., Objects]) -> None:
    objects = render("cnpg", "consumer.decisionLog.maintain.enabled=false")
    assert not of_kind(objects, "CronJob")
    assert "fraud-consumer-maintain" not in {p["metadata"]["name"] for p in of_kind(
        objects, "NetworkPolicy")}  # fmt: skip


def test_a_planted_error_in_the_cluster_is_rejected(
    render: Callable[..., Objects], validator: Validator
) -> None:
    (cluster,) = of_kind(render("cnpg"), "Cluster")
    assert validator.problems(cluster) == []
    typo = copy.deepcopy(cluster)
    typo["spec"]["storage"]["sizee"] = "1Gi"
    assert validator.problems(typo)
    bad = copy.deepcopy(cluster)
    bad["spec"]["instances"] = "three"
    assert validator.problems(bad)


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        (["global.database.provider=external"], "existingSecret"),
        (
            ["global.database.provider=external", "global.database.external.existingSecret=s"],
            "external.host",
        ),
        (["global.database.external.host=pg.example"], "provider=external"),
        (["global.database.provider=postgres"], "provider"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    built_charts: Path, settings: list[str], complaint: str
) -> None:
    with pytest.raises(helm.HelmError, match=complaint):
        helm.template(UMBRELLA, set_values=settings)
