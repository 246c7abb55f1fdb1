"""docker-compose.yml against the compose specification (the file is another issue's work)."""

from pathlib import Path

import pytest

from fraud_k8scheck import documents
from fraud_k8scheck.objects import ROOT

pytestmark = pytest.mark.k8s

COMPOSE = ROOT / "docker-compose.yml"


def test_docker_compose_matches_the_compose_spec() -> None:
    if not COMPOSE.exists():
        pytest.skip("docker-compose.yml does not exist yet (the containers issue writes it)")
    assert documents.file_problems(documents.COMPOSE_SCHEMA, COMPOSE) == []


def test_an_invalid_compose_file_fails_the_spec(fixtures: Path) -> None:
    found = documents.file_problems(documents.COMPOSE_SCHEMA, fixtures / "compose-invalid.yaml")
    assert any("port" in problem for problem in found), found
