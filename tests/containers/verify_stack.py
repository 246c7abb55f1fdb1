"""End-to-end assertions on a running compose stack (called by tests/containers/check.sh).

Talks only to the ports the stack publishes on 127.0.0.1. Proves, in order:
  1. the scorer and the dashboard are ready;
  2. the first transaction is scored (time from ``compose up`` is reported);
  3. the scorer answers POST /v1/score for a valid Transaction (the schema's own example);
  4. Prometheus scrapes all four services (every target of the four jobs is up);
  5. the warm start (history export, then fraud-consumer backfill) loaded the world's history;
  6. every produced transaction reaches Redis and the dashboard's running totals, exactly once.
Prints a JSON summary on success (and writes it to --report); exits 1 with the reason on the
first failed assertion.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import redis

from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Transaction, format_time, utcnow

JOBS = ("fraud-producer", "fraud-consumer", "fraud-scorer", "fraud-dashboard")
FINITE_JOBS = ("fraud-producer",)  # streams its count, then exits 0
DECISIONS = {"approve", "review", "block"}
T = TypeVar("T")


class CheckFailedError(Exception):
    pass


def wait_for(
    what: str, probe: Callable[[], T | None], timeout_s: float, every_s: float = 0.25
) -> T:
    """Calls ``probe`` until it returns something other than None; the last error is reported."""
    deadline = time.monotonic() + timeout_s
    last_error = "no answer"
    while time.monotonic() < deadline:
        try:
            result = probe()
        except (httpx.HTTPError, redis.RedisError, KeyError, ValueError) as error:
            last_error = f"{type(error).__name__}: {error}"
        else:
            if result is not None:
                return result
            last_error = "condition not met yet"
        time.sleep(every_s)
    raise CheckFailedError(f"{what}: not within {timeout_s:.0f} s ({last_error})")


def ready(client: httpx.Client, url: str) -> bool | None:
    return True if client.get(url).status_code == 200 else None


def summary_transactions(client: httpx.Client, dashboard: str) -> int:
    response = client.get(f"{dashboard}/api/summary")
    response.raise_for_status()
    return int(response.json()["transactions"])


def score_example(client: httpx.Client, scorer: str) -> dict[str, Any]:
    example = dict(Transaction.model_json_schema()["examples"][0])
    example["transaction_id"] = f"tx-check-{uuid.uuid4().hex[:12]}"
    example["event_time"] = format_time(utcnow())
    response = client.post(f"{scorer}/v1/score", json=example)
    if response.status_code != 200:
        raise CheckFailedError(
            f"POST /v1/score: HTTP {response.status_code}: {response.text[:300]}"
        )
    body: dict[str, Any] = response.json()
    if body.get("decision") not in DECISIONS or not 0.0 <= float(body.get("score", -1)) <= 1.0:
        raise CheckFailedError(f"POST /v1/score: unexpected answer {body}")
    if body.get("transaction_id") != example["transaction_id"]:
        raise CheckFailedError(f"POST /v1/score: answered for {body.get('transaction_id')}")
    return body


def targets_up(client: httpx.Client, prometheus: str) -> dict[str, str] | None:
    response = client.get(f"{prometheus}/api/v1/targets", params={"state": "active"})
    response.raise_for_status()
    health: dict[str, str] = {}
    for target in response.json()["data"]["activeTargets"]:
        job = target["labels"]["job"]
        # One target per job in compose; a job with any target down counts as down.
        if health.get(job, "up") == "up":
            health[job] = target["health"]
    for job in FINITE_JOBS:
        if health.get(job) != "up" and scraped_while_running(client, prometheus, job):
            health[job] = "up while it ran"
    return health if all(health.get(job, "").startswith("up") for job in JOBS) else None


def scraped_while_running(client: httpx.Client, prometheus: str, job: str) -> bool:
    """A job that ends by design (the producer, after its count) was scraped while it ran."""
    query = f'max_over_time(up{{job="{job}"}}[15m])'
    response = client.get(f"{prometheus}/api/v1/query", params={"query": query})
    response.raise_for_status()
    return any(float(r["value"][1]) == 1 for r in response.json()["data"]["result"])


def scored_in_redis(client: redis.Redis[bytes], keys: RedisKeys, run_id: str) -> int:
    """Markers of this run's transactions decided live; the warm start's markers (its history's
    payments whose label is still owed) carry no decision."""
    pattern = keys.transaction_pattern(f"tx-{run_id}-*")
    names = list(client.scan_iter(match=pattern, count=1000))
    markers = [
        m for start in range(0, len(names), 1000) for m in client.mget(names[start : start + 1000])
    ]
    return sum(1 for marker in markers if marker is not None and b'"decision":null' not in marker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboard", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--scorer", required=True)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--redis", required=True, help="redis://127.0.0.1:PORT/0")
    parser.add_argument("--run-id", required=True, help="the producer's --run-id")
    parser.add_argument("--count", type=int, required=True, help="transactions produced")
    parser.add_argument("--started-at", type=float, required=True, help="epoch of compose up")
    parser.add_argument(
        "--producer-started-at", type=float, required=True, help="epoch the producer was started"
    )
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--report", type=Path, help="also write the JSON summary to this file")
    args = parser.parse_args(argv)
    keys = RedisKeys()
    report: dict[str, Any] = {"run_id": args.run_id, "produced": args.count}
    with (
        httpx.Client(timeout=5.0) as http,
        redis.Redis.from_url(args.redis, socket_timeout=5.0) as store,
    ):
        try:
            for name, base in (("scorer", args.scorer), ("dashboard", args.dashboard)):
                readyz = f"{base}/readyz"
                wait_for(f"{name} ready", partial(ready, http, readyz), args.timeout)
                print(f"ok: {name} ready", flush=True)
            wait_for(
                "first scored transaction",
                lambda: True if summary_transactions(http, args.dashboard) > 0 else None,
                args.timeout,
            )
            report["first_scored_after_up_s"] = round(time.time() - args.started_at, 1)
            report["first_scored_after_producer_s"] = round(
                time.time() - args.producer_started_at, 1
            )
            print(
                f"ok: first transaction scored {report['first_scored_after_up_s']} s after up, "
                f"{report['first_scored_after_producer_s']} s after the producer started"
            )
            answer = score_example(http, args.scorer)
            report["score_example"] = {k: answer[k] for k in ("decision", "score", "model_version")}
            print(f"ok: POST /v1/score answered {report['score_example']}", flush=True)
            report["targets"] = wait_for(
                "Prometheus scraping all four services",
                lambda: targets_up(http, args.prometheus),
                90.0,
                every_s=1.0,
            )
            print(f"ok: Prometheus targets up {report['targets']}", flush=True)
            loaded = {k.decode(): v.decode() for k, v in store.hgetall(keys.warm_start).items()}
            if int(loaded.get("rows", 0)) == 0:
                raise CheckFailedError(f"the warm start loaded nothing: {loaded or 'no record'}")
            report["warm_start"] = {k: loaded[k] for k in ("rows", "pending", "cutoff")}
            print(f"ok: warm start loaded before consuming {report['warm_start']}", flush=True)

            def all_counted() -> tuple[int, int] | None:
                in_redis = scored_in_redis(store, keys, args.run_id)
                on_dashboard = summary_transactions(http, args.dashboard)
                if in_redis > args.count or on_dashboard > args.count:
                    raise CheckFailedError(
                        f"counted twice: redis {in_redis}, dashboard {on_dashboard}"
                    )
                return (in_redis, on_dashboard) if in_redis == on_dashboard == args.count else None

            wait_for("every transaction scored", all_counted, args.timeout, every_s=1.0)
            time.sleep(3)  # nothing arrives late or twice
            final = (
                scored_in_redis(store, keys, args.run_id),
                summary_transactions(http, args.dashboard),
            )
            if final != (args.count, args.count):
                raise CheckFailedError(f"totals moved after completion: redis, dashboard = {final}")
            report["scored_in_redis"], report["dashboard_transactions"] = final
            report["all_scored_after_up_s"] = round(time.time() - args.started_at, 1)
            print(f"ok: {args.count} produced = {final[0]} in Redis = {final[1]} on the dashboard")
            recent = http.get(f"{args.dashboard}/api/recent", params={"limit": 5})
            recent.raise_for_status()
            if not recent.json():
                raise CheckFailedError("GET /api/recent returned nothing")
        except CheckFailedError as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
    summary = json.dumps(report, sort_keys=True)
    print(summary)
    if args.report:
        args.report.write_text(summary + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
