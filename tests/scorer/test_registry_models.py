"""The scorer serving the model registry's champion and challenger (real PostgreSQL, real Redis,
real models): both scored in one batch call, each with its version; a promotion and a rollback
in use within seconds without a restart; any loaded version by name, a 404 naming those loaded
otherwise; readiness and metrics per version."""

import time
from pathlib import Path

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.model_registry import Status
from fraudcore.scoring import lists_from_rows, verdicts

pytestmark = pytest.mark.integration

CHAMPION, CHALLENGER = "test-model-1", "test-model-2"


@pytest.fixture
def registry_scorer(scorer_factory, model_registry):
    return scorer_factory(
        database_url=model_registry.settings.database_url,
        model_store_dir=model_registry.store.root,
    )


def some_rows(count: int = 40) -> np.ndarray:
    rng = np.random.default_rng(7)
    rows = rng.gamma(2.0, 3.0, size=(count, len(FEATURE_NAMES))).astype(np.float32)
    rows[rng.uniform(size=rows.shape) < 0.1] = np.nan  # undefined features travel as null
    return rows


def batch(client, rows: np.ndarray, **params: str) -> tuple[int, dict]:
    response = client.post("/v1/score/batch", params=params, json={"rows": lists_from_rows(rows)})
    return response.status_code, response.json()


def serving_within(client, versions: tuple[str, str | None], timeout_s: float = 10) -> float:
    began = time.monotonic()
    while True:
        body = client.get("/v1/model/serving").json()
        if (body["champion"], body["challenger"]) == versions:
            return time.monotonic() - began
        assert time.monotonic() - began < timeout_s, f"still serving {body}"
        time.sleep(0.01)


def test_one_batch_call_answers_for_the_champion_and_the_challenger(
    registry_scorer, model_registry, model_dir: Path, challenger_dir: Path
) -> None:
    model_registry.promote(CHALLENGER, Status.CHALLENGER)
    serving_within(registry_scorer, (CHAMPION, CHALLENGER))
    rows = some_rows()
    status, body = batch(registry_scorer, rows)
    assert status == 200, body
    for directory, answer in ((model_dir, body), (challenger_dir, body["challenger"])):
        own = verdicts(ModelBundle.load(directory), rows)  # each model deciding alone
        assert answer["model_version"] == ModelBundle.load(directory).version
        assert [r["decision"] for r in answer["results"]] == [v.decision.value for v in own]
        assert [r["reasons"] for r in answer["results"]] == [v.reasons for v in own]
        scores = [r["score"] for r in answer["results"]]
        assert scores == pytest.approx([v.score for v in own], abs=1e-6)
    assert body["results"] != body["challenger"]["results"]
    assert isinstance(body["registry_event"], int)
    assert body["registry_event"] > 0

    ready = registry_scorer.get("/readyz").json()
    assert ready["models"]["champion"] == CHAMPION
    assert ready["models"]["challenger"] == CHALLENGER
    text = registry_scorer.get("/metrics").text
    samples = {
        (s.name, s.labels.get("role"), s.labels.get("model_version")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name.startswith(("fraud_scorer_serving_models", "fraud_scorer_model_rows"))
    }
    assert samples[("fraud_scorer_serving_models", "champion", CHAMPION)] == 1
    assert samples[("fraud_scorer_serving_models", "challenger", CHALLENGER)] == 1
    assert samples[("fraud_scorer_model_rows_total", "champion", CHAMPION)] == len(rows)
    assert samples[("fraud_scorer_model_rows_total", "challenger", CHALLENGER)] == len(rows)


@pytest.mark.alone
def test_promotion_and_rollback_are_served_within_seconds(registry_scorer, model_registry) -> None:
    rows = some_rows(5)
    status, first = batch(registry_scorer, rows)
    assert (status, first["model_version"], first["challenger"]) == (200, CHAMPION, None)
    model_registry.promote(CHALLENGER, Status.CHAMPION)
    promoted_s = serving_within(registry_scorer, (CHALLENGER, None))
    _, after = batch(registry_scorer, rows)
    assert after["model_version"] == CHALLENGER
    assert after["registry_event"] > first["registry_event"]
    model_registry.rollback()
    rolled_back_s = serving_within(registry_scorer, (CHAMPION, None))
    _, back = batch(registry_scorer, rows)
    assert back["model_version"] == CHAMPION
    assert back["registry_event"] > after["registry_event"]
    print(f"served {promoted_s:.3f} s after the promotion, {rolled_back_s:.3f} s after rollback")
    assert max(promoted_s, rolled_back_s) < 2.0
    assert registry_scorer.post("/v1/model/reload").status_code == 409  # the registry decides


def test_a_loaded_version_by_name_and_a_404_naming_those_loaded(
    registry_scorer, model_registry, challenger_dir: Path
) -> None:
    model_registry.promote(CHALLENGER, Status.CHAMPION)
    serving_within(registry_scorer, (CHALLENGER, None))
    rows = some_rows(8)
    status, old = batch(registry_scorer, rows, model_version=CHAMPION)  # kept since replaced
    assert (status, old["model_version"], old["challenger"]) == (200, CHAMPION, None)
    status, current = batch(registry_scorer, rows, model_version=CHALLENGER)
    assert status == 200
    own = verdicts(ModelBundle.load(challenger_dir), rows)
    assert [r["score"] for r in current["results"]] == pytest.approx([v.score for v in own])
    info = registry_scorer.get("/v1/model", params={"model_version": CHAMPION}).json()
    assert info["model_version"] == CHAMPION
    assert info["drift_reference"]["model_version"] == CHAMPION
    assert registry_scorer.get("/v1/model").json()["model_version"] == CHALLENGER

    status, missing = batch(registry_scorer, rows, model_version="test-model-9")
    assert status == 404
    assert missing["detail"] == (
        f"model version 'test-model-9' is not loaded here; loaded: {CHALLENGER}, {CHAMPION}"
    )
    absent = registry_scorer.get("/v1/model", params={"model_version": "test-model-9"})
    assert absent.status_code == 404
