"""The `helm test` hooks' probe against a real scorer process (real Redis, small model)."""

import pytest

from fraud_devstack.processes import free_port
from fraud_scorer import probe

pytestmark = pytest.mark.integration


@pytest.fixture
def scorer_url(pipeline_factory) -> str:
    pipeline = pipeline_factory()
    pipeline.start_scorer(SCORER_API_KEY="probe-key-123")
    return f"http://127.0.0.1:{pipeline.scorer_port}"


def test_ready_and_a_scored_probe_payment(scorer_url: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SCORER_API_KEY", "probe-key-123")
    assert probe.main(["ready", scorer_url]) == 0
    assert probe.main(["score", scorer_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "ready"
    assert lines[1].startswith("tx-probe-")
    assert "(score 0." in lines[1]


def test_a_wrong_api_key_fails_the_probe_with_the_reason(
    scorer_url: str, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("SCORER_API_KEY", "not-the-key")
    assert probe.main(["score", scorer_url]) == 1
    assert "POST /v1/score: HTTP 401" in capsys.readouterr().err


def test_no_scorer_fails_the_probe(capsys) -> None:
    assert probe.main(["ready", f"http://127.0.0.1:{free_port()}"]) == 1
    assert "ready: http://127.0.0.1:" in capsys.readouterr().err
