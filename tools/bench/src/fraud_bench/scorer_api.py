"""The scorer API on its own: one transaction at a time, and batches from concurrent clients."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import numpy as np

from fraud_bench.stats import summary_ms
from fraudcore.features import FEATURE_NAMES
from fraudcore.schemas import Transaction


def single_requests(url: str, count: int) -> dict[str, float]:
    body = Transaction.model_json_schema()["examples"][0]
    samples = []
    with httpx.Client(base_url=url) as client:
        for _ in range(20):
            client.post("/v1/score", json=body)
        for _ in range(count):
            began = time.perf_counter()
            client.post("/v1/score", json=body).raise_for_status()
            samples.append((time.perf_counter() - began) * 1000)
    return summary_ms(samples)


def batch_throughput(url: str, clients: int, rows: int, seconds: float) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    batch = {"rows": rng.random((rows, len(FEATURE_NAMES))).round(4).tolist()}
    done = [0] * clients
    deadline = time.monotonic() + seconds

    def work(index: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.monotonic() < deadline:
                client.post("/v1/score/batch", json=batch).raise_for_status()
                done[index] += rows

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return {
        "clients": clients,
        "rows_per_request": rows,
        "rows_per_s": round(sum(done) / elapsed, 1),
    }
