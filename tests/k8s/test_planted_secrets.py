"""No secret can end up in a rendered manifest: a secret variable planted in a chart's plain
configuration is refused, and the default renderings carry no literal credential."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from fraud_k8scheck.components import COMPONENTS
from fraud_k8scheck.helm import HelmError
from fraud_k8scheck.objects import SCENARIOS

pytestmark = pytest.mark.k8s
PLANTED = "pl4nted-Secret-0x5eed"


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_a_secret_planted_in_plain_config_is_refused(
    render: Callable[..., list[dict[str, Any]]], component
) -> None:
    names = sorted(component.secret_names())
    assert names, component.name
    for name in names:
        with pytest.raises(HelmError, match=f"additional properties '{name}' not allowed"):
            render(None, f"{component.name}.config.{name}={PLANTED}")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_renderings_carry_no_literal_credentials(
    render: Callable[..., list[dict[str, Any]]], scenario: str
) -> None:
    for obj in render(scenario):
        if obj.get("kind") == "Secret":
            continue  # generated at install time (random) or supplied by the operator
        text = json.dumps(obj).lower()
        for needle in ('password": "', 'api_key": "', 'apikey": "', "sasl.password="):
            assert needle not in text, f"{obj['kind']}/{obj['metadata']['name']} ({scenario})"
