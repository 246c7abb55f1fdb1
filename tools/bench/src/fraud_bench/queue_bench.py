"""The review queue's first page under a big decision log: a fresh PostgreSQL filled with a month
of decisions (``queue_fill``), the real dashboard process in front of it (its own connection
per request, as it serves analysts), and the first page of the queue asked for again and again,
in the default order and under a few filters, timed by the client from request to last byte.

``python -m fraud_bench.queue_bench`` (``make queue-bench``) writes reports/queue_bench.json
(every sample kept, so the percentiles can be checked) and a short queue_bench.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from fraud_bench.queue_fill import MODELS, fill, server
from fraud_bench.stats import load_average, measured_on, measured_sentence, percentile, write_report
from fraud_devstack import PostgresServer, RedisServer, free_port
from fraud_devstack.services import ServiceProcess
from fraudcore.decision_log import connect, migrate
from fraudcore.settings import DatabaseSettings

REPORT = "queue_bench.json"
SUMMARY = "queue_bench.md"
TARGET_P95_MS = 200.0  # the queue's first page as an analyst opens it (the default order)
DEFAULT = "default (oldest first)"
PAGE = 25  # the queue page's own page size
# (name, query): the default page, the other order, and filters an analyst uses.
CASES: tuple[tuple[str, dict[str, str]], ...] = (
    (DEFAULT, {}),
    ("riskiest first", {"order": "riskiest"}),
    ("country FR", {"country": "FR"}),
    ("blocks only, riskiest", {"decision": "block", "order": "riskiest"}),
    ("amount from 1000", {"amount_min": "1000"}),
    ("retired model", {"model_version": MODELS[1]}),
    ("last day", {"since": "{last_day}"}),
)


@contextmanager
def _servers(
    workdir: Path, database_url: str | None, redis_url: str | None
) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL and Redis unless given; removed after."""
    postgres = None if database_url else PostgresServer(workdir / "postgres")
    redis = None if redis_url else RedisServer(workdir / "redis")
    try:
        database_url = database_url or postgres.start().url  # type: ignore[union-attr]
        redis_url = redis_url or redis.start().url  # type: ignore[union-attr]
        yield database_url, redis_url
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.remove()


def _dashboard(workdir: Path, database_url: str, redis_url: str) -> ServiceProcess:
    port = free_port()
    env = {
        "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": f"qb-{uuid.uuid4().hex[:8]}:", "DASHBOARD_HOST": "127.0.0.1",
        "DASHBOARD_PORT": str(port), "DASHBOARD_QUEUE_BLOCKS": "true", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    process = ServiceProcess(
        "dashboard", "fraud_dashboard.main", env, workdir, f"http://127.0.0.1:{port}/readyz"
    )
    process.url = f"http://127.0.0.1:{port}"
    return process


def _time_case(
    client: httpx.Client, params: dict[str, str], requests: int, warmup: int
) -> dict[str, Any]:
    query = {"limit": str(PAGE), **params}
    samples: list[float] = []
    items = 0
    for n in range(warmup + requests):
        began = time.perf_counter_ns()
        response = client.get("/api/queue", params=query)
        elapsed_ms = (time.perf_counter_ns() - began) / 1e6
        if response.status_code != 200:
            raise RuntimeError(
                f"/api/queue {query} answered {response.status_code}: {response.text}"
            )
        if n >= warmup:
            samples.append(round(elapsed_ms, 3))
            items = len(response.json()["items"])
    return {
        "params": params,
        "items": items,
        "requests": requests,
        "p50_ms": percentile(samples, 50),
        "p95_ms": percentile(samples, 95),
        "p99_ms": percentile(samples, 99),
        "max_ms": max(samples),
        "samples_ms": samples,
    }


def run(
    decisions: int,
    days: int,
    requests: int,
    *,
    warmup: int = 5,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> dict[str, Any]:
    """Fill, serve, time; the report as a dict. Given URLs are used instead of fresh servers
    (the database must be empty)."""
    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="fraud-queue-bench-") as tmp:
        workdir = Path(tmp)
        with _servers(workdir, database_url, redis_url) as (db_url, r_url):
            with connect(DatabaseSettings(database_url=db_url)) as conn:
                migrate(conn)
                filled = fill(conn, decisions, days, end)
                postgresql = server(conn)
            dashboard = _dashboard(workdir, db_url, r_url).start(timeout_s=120)
            load_before = load_average()
            try:
                with httpx.Client(base_url=dashboard.url, timeout=30) as client:
                    last_day = (end - dt.timedelta(days=1)).isoformat()
                    cases = {}
                    for name, params in CASES:
                        query = {k: v.format(last_day=last_day) for k, v in params.items()}
                        cases[name] = _time_case(client, query, requests, warmup)
            finally:
                dashboard.stop()
    worst = max(cases, key=lambda name: cases[name]["p95_ms"])
    return {
        **measured_on(load_before),
        "postgresql": postgresql,
        "log": filled.as_json(),
        "page_size": PAGE,
        "target_p95_ms": TARGET_P95_MS,
        "first_page_p95_ms": cases[DEFAULT]["p95_ms"],
        "within_target": cases[DEFAULT]["p95_ms"] < TARGET_P95_MS,
        "worst_case": worst,
        "worst_p95_ms": cases[worst]["p95_ms"],
        "cases": cases,
    }


def summary(report: dict[str, Any]) -> str:
    log, postgres = report["log"], report["postgresql"]
    lines = [
        "# Review queue: first page under a big decision log",
        "",
        f"{log['decisions']:,} decisions over {log['days']} days ({log['alerts']:,} reviews and "
        f"blocks, {log['labels']:,} labels, {log['verdicts']:,} verdicts), PostgreSQL "
        f"{postgres['version']} (shared_buffers {postgres['shared_buffers']}); "
        f"the real dashboard process, first page of {report['page_size']}, timed by the client.",
        measured_sentence(report),
        "",
        "| case | p50 ms | p95 ms | p99 ms | max ms | rows |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, case in report["cases"].items():
        lines.append(
            f"| {name} | {case['p50_ms']:.1f} | {case['p95_ms']:.1f} | {case['p99_ms']:.1f} | "
            f"{case['max_ms']:.1f} | {case['items']} |"
        )
    verdict = "within" if report["within_target"] else "OVER"
    lines += [
        "",
        f"First page (default order) p95 {report['first_page_p95_ms']:.1f} ms: {verdict} the "
        f"{report['target_p95_ms']:.0f} ms target. Slowest case: {report['worst_case']}, p95 "
        f"{report['worst_p95_ms']:.1f} ms.",
        "",
    ]
    return "\n".join(lines)


def sentence(report: dict[str, Any]) -> str:
    """The README's figure (tests/test_readme.py keeps it equal to the report)."""
    default = report["cases"][DEFAULT]
    load = report["machine"]["load_before"]["1m"]
    return (
        f"Measured (`make queue-bench`, [`reports/queue_bench.json`](reports/queue_bench.json)): "
        f"the first page of {report['page_size']}, oldest first, p95 {default['p95_ms']:.1f} ms "
        f"(p50 {default['p50_ms']:.1f} ms) with {report['log']['decisions']:,} decisions in the "
        f"log, against a {report['target_p95_ms']:.0f} ms target; the slowest of "
        f"{len(report['cases'])} orders and filters ({report['worst_case']}) p95 "
        f"{report['worst_p95_ms']:.1f} ms; "
        f"through the dashboard process on {report['machine']['cpus']} shared cores (load "
        f"average {load} at the start)."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m fraud_bench.queue_bench", description=__doc__)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per case")
    parser.add_argument("--out", type=Path, default=Path("reports"))
    args = parser.parse_args(argv)
    report = run(args.decisions, args.days, args.requests)
    write_report(args.out, report, (REPORT, SUMMARY), summary(report))
    print(summary(report))


if __name__ == "__main__":
    main()
