"""The charts set exactly the settings classes' environment variables, with valid values."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from fraud_k8scheck.components import COMPONENTS, Component
from fraud_k8scheck.objects import CHARTS_DIR, MODEL_REGISTRY, SCENARIOS, env_of, named

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]
# What a Secret holds where the setting has a format (a whole DSN from global.database.external).
SECRET_EXAMPLES = {"DATABASE_URL": "postgresql://fraud:from-a-secret@db.example:5432/fraud"}


def _env(objects: Objects, component: Component) -> dict[str, str]:
    return env_of(objects, named(objects, "Deployment", f"fraud-{component.name}"))


def _unknown(component: Component, names: set[str]) -> set[str]:
    return names - component.env_names()


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_rendered_env_names_are_settings_fields(
    render: Callable[..., Objects], scenario: str, component: Component
) -> None:
    names = set(_env(render(scenario), component))
    assert _unknown(component, names) == set()
    required = {
        field.upper()
        for field, info in component.settings.model_fields.items()
        if info.is_required()
    }
    assert required <= names


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_every_setting_can_be_set_and_every_wired_one_is(
    render: Callable[..., Objects], component: Component
) -> None:
    schema = json.loads((CHARTS_DIR / component.chart / "values.schema.json").read_text())
    configurable = set(schema["properties"]["config"]["properties"])
    assert configurable == component.config_names()
    unsupported = component.unsupported_names()
    assert configurable | set(component.wired) | unsupported == component.env_names()
    rendered = set().union(*(set(_env(render(s), component)) for s in SCENARIOS))
    rendered |= set(_env(render(None, *MODEL_REGISTRY), component))
    assert set(component.wired) <= rendered, "a wired variable is never rendered"


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_rendered_env_is_accepted_by_the_settings_class(
    render: Callable[..., Objects],
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
    component: Component,
) -> None:
    for name in component.env_names():
        monkeypatch.delenv(name, raising=False)
    env = _env(render(scenario), component)
    for name, value in env.items():
        secret = SECRET_EXAMPLES.get(name, "from-a-secret")
        monkeypatch.setenv(name, secret if value.startswith("secret:") else value)
    component.settings()  # raises ValidationError on a bad value or a missing variable


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_secrets_come_from_secrets_only(
    render: Callable[..., Objects], component: Component
) -> None:
    for scenario in SCENARIOS:
        env = _env(render(scenario), component)
        for name in component.secret_names() & set(env):
            assert env[name].startswith("secret:"), f"{name} in plain text ({scenario})"


def test_a_misspelled_variable_is_caught() -> None:
    consumer = next(c for c in COMPONENTS if c.name == "consumer")
    assert _unknown(consumer, {"REDIS_URL", "REDIS_ULR"}) == {"REDIS_ULR"}
