"""Checks of a running scorer from outside, as the chart's `helm test` hooks run them.

python -m fraud_scorer.probe ready URL   GET URL/readyz answers 200
python -m fraud_scorer.probe score URL   POST URL/v1/score with a probe payment (the schema's
                                         example, a fresh id and time) answers a decision

SCORER_API_KEY, when set, is sent as X-API-Key. Exit 0 on success, 1 with the reason otherwise;
only the standard library, so it runs in the scorer's own image.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any

from fraudcore.schemas import Transaction, format_time, utcnow

DECISIONS = {"approve", "review", "block"}
TIMEOUT_S = 10.0


class ProbeFailedError(Exception):
    pass


def _request(url: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if key := os.environ.get("SCORER_API_KEY"):
        headers["X-API-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - http(s) URL
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        raise ProbeFailedError(f"{url}: {error}") from error


def probe_payment() -> dict[str, Any]:
    payment = dict(Transaction.model_json_schema()["examples"][0])
    payment["transaction_id"] = f"tx-probe-{uuid.uuid4().hex[:12]}"
    payment["event_time"] = format_time(utcnow())
    return payment


def ready(base: str) -> str:
    status, body = _request(f"{base.rstrip('/')}/readyz")
    if status != 200:
        raise ProbeFailedError(f"GET /readyz: HTTP {status}: {body[:300].decode(errors='replace')}")
    return "ready"


def score(base: str) -> str:
    payment = probe_payment()
    status, body = _request(f"{base.rstrip('/')}/v1/score", payment)
    if status != 200:
        text = body[:300].decode(errors="replace")
        raise ProbeFailedError(f"POST /v1/score: HTTP {status}: {text}")
    answer = json.loads(body)
    decision, value = answer.get("decision"), answer.get("score")
    if decision not in DECISIONS or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ProbeFailedError(f"POST /v1/score: unexpected answer {answer}")
    return f"{payment['transaction_id']}: {decision} (score {value:.4f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fraud_scorer.probe", description=__doc__)
    parser.add_argument("check", choices=["ready", "score"])
    parser.add_argument("url", help="the scorer's base URL, e.g. http://fraud-scorer:8000")
    args = parser.parse_args(argv)
    try:
        print((ready if args.check == "ready" else score)(args.url))
    except ProbeFailedError as error:
        print(f"{args.check}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
