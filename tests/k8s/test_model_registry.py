"""The model registry in the charts (global.modelRegistry): the scorer, and the consumer when it
scores embedded, mount the artifact store read-only, read the registry's DSN and password as the
decision log's (the password from a Secret), apply its schema in an init container first, and
start with settings their services accept; the database lets the scorer in."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fraud_consumer.settings import ConsumerSettings
from fraud_k8scheck import helm, security
from fraud_k8scheck.objects import MODEL_REGISTRY, UMBRELLA, named
from fraud_k8scheck.validate import Validator
from fraud_scorer.settings import ScorerSettings

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]
STORE = "/var/lib/fraud/models"
CNPG_PASSWORD = {"secretKeyRef": {"name": "fraud-db-app", "key": "password"}}
MIGRATE = ["fraud-decisions", "migrate", "--wait-s", "300", "--model-registry"]


def _pod(objects: Objects, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = named(objects, "Deployment", name)["spec"]["template"]["spec"]
    return spec


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def _accepted(objects: Objects, name: str, settings: type, monkeypatch) -> Any:
    """The service's settings from the pod's ConfigMap and env (a Secret's value stands in)."""
    container = _pod(objects, name)["containers"][0]
    env = {**named(objects, "ConfigMap", name)["data"], **_env(container)}
    for field in settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value if isinstance(value, str) else "x")
    return settings()


@pytest.mark.parametrize("name", ["fraud-scorer", "fraud-consumer"])
def test_the_store_is_mounted_read_only_and_the_schema_applied_first(
    render: Callable[..., Objects], name: str
) -> None:
    objects = render(None, *MODEL_REGISTRY)
    pod = _pod(objects, name)
    (volume,) = [v for v in pod["volumes"] if v["name"] == "model-store"]
    assert volume["persistentVolumeClaim"] == {"claimName": "fraud-model-store", "readOnly": True}
    container = pod["containers"][0]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "model-store"]
    assert mount == {"name": "model-store", "mountPath": STORE, "readOnly": True}
    assert named(objects, "ConfigMap", name)["data"]["MODEL_STORE_DIR"] == STORE
    assert _env(container)["DATABASE_PASSWORD"] == CNPG_PASSWORD
    migrate = pod["initContainers"][-1]
    assert (migrate["name"], migrate["image"]) == ("migrate", "fraud-decisions:0.1.0")
    assert migrate["command"] == MIGRATE
    assert _env(migrate)["DATABASE_PASSWORD"] == CNPG_PASSWORD


def test_valid_and_hardened_as_every_scenario(
    render: Callable[..., Objects], validator: Validator
) -> None:
    objects = render(None, *MODEL_REGISTRY)
    problems = validator.all_problems(objects)
    assert not problems, "\n".join(map(str, problems))
    for name in ("fraud-scorer", "fraud-consumer"):
        assert security.problems(_pod(objects, name)) == []


def test_the_services_accept_what_the_charts_give_them(
    render: Callable[..., Objects], monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = render(None, *MODEL_REGISTRY)
    scorer = _accepted(objects, "fraud-scorer", ScorerSettings, monkeypatch)
    assert (str(scorer.model_store_dir), scorer.model_registry_poll_s) == (STORE, 10.0)
    assert scorer.database_url.startswith("postgresql://fraud@fraud-db-rw.")
    consumer = _accepted(objects, "fraud-consumer", ConsumerSettings, monkeypatch)
    assert str(consumer.model_store_dir) == STORE


def test_a_remote_consumer_leaves_the_store_to_the_scorer(
    render: Callable[..., Objects], monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = render(None, *MODEL_REGISTRY, "consumer.scoringMode=remote")
    pod = _pod(objects, "fraud-consumer")
    assert "model-store" not in {v["name"] for v in pod["volumes"]}
    assert "MODEL_STORE_DIR" not in named(objects, "ConfigMap", "fraud-consumer")["data"]
    assert pod["initContainers"][-1]["command"] == MIGRATE
    _accepted(objects, "fraud-consumer", ConsumerSettings, monkeypatch)


def test_another_volume_source_and_the_database_open_to_the_scorer(
    render: Callable[..., Objects],
) -> None:
    objects = render(
        None,
        *MODEL_REGISTRY,
        "global.modelRegistry.store.existingClaim=",
        "global.modelRegistry.store.volume.csi.driver=nfs.csi.k8s.io",
        "global.modelRegistry.store.volume.csi.readOnly=true",
    )
    (volume,) = [v for v in _pod(objects, "fraud-scorer")["volumes"] if v["name"] == "model-store"]
    assert volume == {"name": "model-store", "csi": {"driver": "nfs.csi.k8s.io", "readOnly": True}}
    allowed = named(objects, "NetworkPolicy", "fraud-db")["spec"]["ingress"][0]["from"]
    names = {p["podSelector"]["matchLabels"].get("app.kubernetes.io/name") for p in allowed}
    assert "fraud-scorer" in names
    egress = named(objects, "NetworkPolicy", "fraud-scorer")["spec"]["egress"]
    assert any(rule.get("ports") == [{"port": 5432, "protocol": "TCP"}] for rule in egress)


def test_off_by_default_nothing_of_it_renders(render: Callable[..., Objects]) -> None:
    objects = render("cnpg")
    scorer = _pod(objects, "fraud-scorer")
    assert "initContainers" not in scorer
    assert "model-store" not in {v["name"] for v in scorer["volumes"]}
    data = named(objects, "ConfigMap", "fraud-scorer")["data"]
    assert "MODEL_STORE_DIR" not in data
    assert "DATABASE_URL" in data  # the rules and lists in force are there, registry or not
    assert _pod(objects, "fraud-consumer")["initContainers"][-1]["command"] == MIGRATE[:-1]


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        (["global.modelRegistry.enabled=true"], "global.database.provider"),
        (
            ["global.modelRegistry.enabled=true", "global.database.provider=cnpg"],
            "store.existingClaim",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused(
    built_charts: Path, settings: list[str], complaint: str
) -> None:
    with pytest.raises(helm.HelmError, match=complaint):
        helm.template(UMBRELLA, set_values=settings)
