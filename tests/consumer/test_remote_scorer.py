"""The remote consumer's scorer calls: feature rows packed as float32 to /v1/score/rows, with the
same verdicts as the JSON batch; a scorer older than the packed rows is sent JSON instead."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from fraud_consumer.scorers import RemoteScorer
from fraudcore.feature_rows import FEATURE_SET_HEADER, feature_set
from fraudcore.features import FEATURE_NAMES

ANSWER = {
    "model_version": "xgb-old",
    "results": [{"score": 0.25, "decision": "approve", "reasons": [], "rules": []}],
    "challenger": None,
    "registry_event": None,
    "rules_revision": 0,
    "lists_revision": 0,
    "timing_ms": 0.1,
}


def rows(count: int) -> np.ndarray:
    values = np.random.default_rng(11).normal(1.0, 3.0, (count, len(FEATURE_NAMES)))
    values[:, FEATURE_NAMES.index("amount_zscore")] = np.nan
    return values.astype(np.float32)


class OlderScorer(BaseHTTPRequestHandler):
    """A scorer from before the packed rows: /v1/score/batch only."""

    requests: list[tuple[str, str | None]]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.requests.append((self.path, self.headers.get("content-type")))
        found = self.path.startswith("/v1/score/batch")
        body = json.dumps(ANSWER if found else {"detail": "Not Found"}).encode()
        self.send_response(200 if found else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def older_scorer() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    requests: list[tuple[str, str | None]] = []
    handler = type("Handler", (OlderScorer,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def test_an_older_scorer_is_sent_json_after_its_404(older_scorer) -> None:
    url, requests = older_scorer
    scorer = RemoteScorer(url, None, 5.0)

    first, _ = scorer.score(rows(1))
    second, version = scorer.score(rows(1))

    assert [v.score for v in first + second] == [0.25, 0.25]
    assert version == "xgb-old"
    assert [path.partition("?")[0] for path, _ in requests] == [
        "/v1/score/rows", "/v1/score/batch", "/v1/score/batch"
    ]  # fmt: skip
    assert requests[1][1] == "application/json"
    scorer.close()


def test_the_packed_rows_name_the_feature_order_and_keep_the_api_key() -> None:
    scorer = RemoteScorer("http://127.0.0.1:9", "s3cret", 1.0)
    path, _, headers = scorer._request(rows(2))
    assert path.startswith("/v1/score/rows")
    assert headers is not None
    assert headers[FEATURE_SET_HEADER] == feature_set(FEATURE_NAMES)
    assert headers["X-API-Key"] == "s3cret"
    scorer.close()


@pytest.mark.integration
def test_packed_and_json_rows_get_the_same_verdicts_from_a_real_scorer(registry_scorer_url):
    packed, plain = (
        RemoteScorer(registry_scorer_url, None, 10.0),
        RemoteScorer(registry_scorer_url, None, 10.0),
    )
    plain.packed = False
    batch = rows(16)

    assert packed.score(batch) == plain.score(batch)
    assert packed.packed
    packed.close()
    plain.close()
