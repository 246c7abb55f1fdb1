"""The scoring API against a real Redis and a real (small) model."""

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from fraudcore.drift import DriftReference
from fraudcore.feature_rows import FEATURE_SET_HEADER, MEDIA_TYPE, feature_set, pack_rows
from fraudcore.feature_store import FeatureStore
from fraudcore.features import FEATURE_NAMES, CardState, MerchantState, features_and_update
from fraudcore.features.payments import payment_of
from fraudcore.model_card import CARD_FILE, ModelCard
from fraudcore.redis_client import connect
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Transaction

pytestmark = pytest.mark.integration
EXAMPLE = Transaction.model_json_schema()["examples"][0]


def tx(**changes: object) -> dict[str, object]:
    return {**EXAMPLE, **changes}


def test_score_reads_history_and_never_writes_it(scorer_factory, redis_settings) -> None:
    client = scorer_factory()
    redis = connect(redis_settings)
    store = FeatureStore(redis, RedisKeys(redis_settings.redis_key_prefix), state_ttl_s=3600)
    card, merchant = CardState(), MerchantState()
    earlier = Transaction.model_validate(tx(event_time="2026-11-28T12:45:12Z", amount=10.0))
    features_and_update(payment_of(earlier), card, merchant)
    store.write({earlier.card_id: card}, {earlier.merchant_id: merchant})
    before = {
        key: redis.dump(key) for key in redis.scan_iter(f"{redis_settings.redis_key_prefix}*")
    }

    response = client.post("/v1/score", json=tx(amount=50.0))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["transaction_id"] == EXAMPLE["transaction_id"]
    assert 0 <= body["score"] <= 1
    assert body["decision"] in {"approve", "review", "block"}
    assert body["model_version"] == "test-model-1"
    assert list(body["features"]) == list(FEATURE_NAMES)
    assert body["features"]["card_history_log"] == pytest.approx(math.log(2))
    assert body["features"]["amount_to_card_mean"] == pytest.approx(5.0)
    assert body["timing_ms"] > 0
    after = {key: redis.dump(key) for key in redis.scan_iter(f"{redis_settings.redis_key_prefix}*")}
    assert after == before


def test_score_reads_history_from_a_redis_cluster(scorer_factory, redis_cluster_settings) -> None:
    settings = redis_cluster_settings
    client = scorer_factory(redis_url=settings.redis_url, redis_cluster=True,
                            redis_key_prefix=settings.redis_key_prefix)  # fmt: skip
    store = FeatureStore(connect(settings), RedisKeys(settings.redis_key_prefix), state_ttl_s=3600)
    card, merchant = CardState(), MerchantState()
    earlier = Transaction.model_validate(tx(event_time="2026-11-28T12:45:12Z", amount=10.0))
    features_and_update(payment_of(earlier), card, merchant)
    store.write({earlier.card_id: card}, {earlier.merchant_id: merchant})

    response = client.post("/v1/score", json=tx(amount=50.0))
    assert response.status_code == 200, response.text
    assert response.json()["features"]["card_history_log"] == pytest.approx(math.log(2))
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": -3}, "amount"),
        ({"amount": 0}, "amount"),
        ({"channel": "fax"}, "channel"),
        ({"event_time": "yesterday"}, "event_time"),
        ({"is_fraud": True}, "is_fraud"),
    ],
)
def test_invalid_transactions_get_422_naming_the_field(scorer_factory, change, field) -> None:
    response = scorer_factory().post("/v1/score", json=tx(**change))
    assert response.status_code == 422
    assert [error["loc"][-1] for error in response.json()["detail"]] == [field]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_amounts_are_rejected(scorer_factory, bad) -> None:
    raw = (
        Transaction.model_validate(EXAMPLE)
        .model_dump_json()
        .replace('"amount":12.5', f'"amount":{bad}')
    )
    response = scorer_factory().post(
        "/v1/score", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "amount"


def test_batch_of_rows_and_of_transactions(scorer_factory) -> None:
    client = scorer_factory()
    row = [1.0] * len(FEATURE_NAMES)
    row[FEATURE_NAMES.index("amount_zscore")] = None
    rows = client.post("/v1/score/batch", json={"rows": [row, row]})
    assert rows.status_code == 200, rows.text
    assert len(rows.json()["results"]) == 2
    txs = client.post("/v1/score/batch", json={"transactions": [tx(), tx(transaction_id="tx-2")]})
    assert txs.status_code == 200, txs.text
    assert {r["decision"] for r in txs.json()["results"]} <= {"approve", "review", "block"}


PACKED = {"content-type": MEDIA_TYPE, FEATURE_SET_HEADER: feature_set(FEATURE_NAMES)}


def packed_rows(count: int) -> np.ndarray:
    rows = np.random.default_rng(3).normal(1.0, 2.0, (count, len(FEATURE_NAMES)))
    rows[0, FEATURE_NAMES.index("amount_zscore")] = np.nan
    return rows.astype(np.float32)


def test_packed_rows_score_as_the_same_rows_in_json(scorer_factory) -> None:
    client = scorer_factory()
    rows = packed_rows(5)
    as_json = [[None if np.isnan(v) else float(v) for v in row] for row in rows]

    packed = client.post("/v1/score/rows", content=pack_rows(rows), headers=PACKED)
    plain = client.post("/v1/score/batch", json={"rows": as_json})

    assert packed.status_code == plain.status_code == 200, packed.text
    assert packed.json()["results"] == plain.json()["results"]
    assert packed.json()["model_version"] == plain.json()["model_version"]


def test_packed_rows_that_cannot_be_scored_get_a_precise_4xx(scorer_factory) -> None:
    client = scorer_factory(scorer_max_batch_rows=3)
    one = pack_rows(packed_rows(1))
    width = 4 * len(FEATURE_NAMES)

    def post(body: bytes, **headers: str) -> tuple[int, str]:
        response = client.post("/v1/score/rows", content=body, headers=PACKED | headers)
        return response.status_code, str(response.json()["detail"])

    assert post(one, **{"content-type": "application/json"}) == (
        415, f"send {MEDIA_TYPE}, not 'application/json'"
    )  # fmt: skip
    code, detail = post(one, **{FEATURE_SET_HEADER: "0123456789abcdef"})
    assert code == 409
    assert "'0123456789abcdef'" in detail
    assert feature_set(FEATURE_NAMES) in detail
    assert post(one[:-1]) == (
        422, f"{width - 1} bytes are not whole rows: a row is {len(FEATURE_NAMES)} float32 "
        f"values ({width} bytes)"
    )  # fmt: skip
    assert post(b"") == (422, "the body holds no rows")
    infinite = packed_rows(2)
    infinite[1, 0] = np.inf
    assert post(pack_rows(infinite)) == (
        422, f"row 1, feature {FEATURE_NAMES[0]!r} is infinite (undefined is NaN)"
    )  # fmt: skip
    assert post(pack_rows(packed_rows(4))) == (413, "4 rows exceed the batch limit of 3")
    missing = client.post("/v1/score/rows", content=one, headers={"content-type": MEDIA_TYPE})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["header", FEATURE_SET_HEADER]


def test_batch_must_carry_one_kind_and_respect_the_limit(scorer_factory) -> None:
    client = scorer_factory(scorer_max_batch_rows=3)
    assert client.post("/v1/score/batch", json={}).status_code == 422
    both = client.post("/v1/score/batch", json={"rows": [], "transactions": []})
    assert both.status_code == 422
    too_many = client.post("/v1/score/batch", json={"rows": [[0.0] * len(FEATURE_NAMES)] * 4})
    assert too_many.status_code == 413
    assert "batch limit of 3" in too_many.json()["detail"]
    short = client.post("/v1/score/batch", json={"rows": [[0.0, 1.0]]})
    assert short.status_code == 422


def test_oversized_bodies_are_refused(scorer_factory) -> None:
    client = scorer_factory(scorer_max_body_bytes=2048)
    response = client.post("/v1/score/batch", json={"rows": [[0.0] * len(FEATURE_NAMES)] * 40})
    assert response.status_code == 413


def test_api_key_guards_scoring_and_reload_but_not_reads(scorer_factory) -> None:
    client = scorer_factory(scorer_api_key="k3y-value")
    assert client.post("/v1/score", json=tx()).status_code == 401
    assert client.post("/v1/score", json=tx(), headers={"X-API-Key": "wrong"}).status_code == 401
    rows = pack_rows(packed_rows(1))
    assert client.post("/v1/score/rows", content=rows, headers=PACKED).status_code == 401
    assert (
        client.post("/v1/score", json=tx(), headers={"X-API-Key": "k3y-value"}).status_code == 200
    )
    assert client.post("/v1/model/reload").status_code == 401
    assert client.get("/v1/model").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_rate_limit_answers_429(scorer_factory) -> None:
    client = scorer_factory(scorer_rate_limit_rps=2)
    codes = [client.post("/v1/score", json=tx()).status_code for _ in range(12)]
    assert 429 in codes
    assert codes[0] == 200


def test_model_info_and_operations(scorer_factory) -> None:
    client = scorer_factory()
    info = client.get("/v1/model").json()
    assert info["feature_names"] == list(FEATURE_NAMES)
    assert info["thresholds"] == {"review": 0.2, "block": 0.8}
    ready = client.get("/readyz").json()
    assert {k: ready[k] for k in ("status", "problems")} == {"status": "ready", "problems": []}
    assert ready["models"]["champion"] == ready["models"]["loaded"][0]  # which version serves
    client.post("/v1/score", json=tx())
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    assert "fraud_scorer_requests" in families
    assert "fraud_scorer_inference_latency_seconds" in families
    assert families["fraud_model_info"].samples[0].labels["version"] == "test-model-1"
    spec = client.get("/openapi.json").json()
    assert "/v1/score/batch" in spec["paths"]
    assert spec["components"]["schemas"]["Transaction"]["examples"]


def test_redis_down_means_503_and_not_ready(scorer_factory) -> None:
    client = scorer_factory(redis_url="redis://127.0.0.1:9/0", redis_socket_timeout_s=0.2)
    response = client.post("/v1/score", json=tx())
    assert response.status_code == 503
    assert "feature store unavailable" in response.json()["detail"]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "redis unreachable" in ready.json()["problems"][0]


def test_model_info_carries_the_cards_drift_reference_for_remote_consumers(scorer_factory) -> None:
    """What a consumer scoring remotely measures drift against (None when the card has none)."""
    committed = Path(__file__).resolve().parents[2] / "training" / "artifacts"
    info = scorer_factory(model_dir=committed).get("/v1/model").json()
    expected = DriftReference.from_card(ModelCard.load(committed).model_extra)
    assert expected is not None
    assert DriftReference.model_validate(info["drift_reference"]) == expected


def test_model_info_without_a_drift_reference_says_none(scorer_factory, model_dir, tmp_path):
    card = json.loads((model_dir / CARD_FILE).read_text())
    del card["drift_reference"]
    bare = tmp_path / "bare"
    shutil.copytree(model_dir, bare)
    (bare / CARD_FILE).write_text(json.dumps(card))
    assert scorer_factory(model_dir=bare).get("/v1/model").json()["drift_reference"] is None
