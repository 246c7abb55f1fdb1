"""Reaching the platform from the host the way a user would: through its Services.

The scorer's API and Redis through their ClusterIPs (kube-proxy's rules on this host route them
to the pods), the dashboard through `kubectl port-forward svc/...` as the README tells users
(API server -> kubelet -> containerd's stream server -> the pod's network namespace). The SSE
listener counts the payments the dashboard streams while it is connected.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis

from fraud_devstack.processes import free_port, port_open
from fraud_k8sapi.kubectl import Client
from fraud_k8se2e.release import NAMESPACE, RELEASE
from fraudcore.redis_keys import RedisKeys
from fraudcore.schemas import Transaction, format_time, utcnow

# An SSE stream is read for as long as the run listens; only connecting is bounded.
STREAM_TIMEOUT = httpx.Timeout(10.0, read=None)


def service_address(client: Client, component: str) -> tuple[str, int]:
    service = client.get("service", f"{RELEASE}-{component}", namespace=NAMESPACE)
    return service["spec"]["clusterIP"], int(service["spec"]["ports"][0]["port"])


def redis_client(client: Client, password: str) -> redis.Redis[bytes]:
    host, port = service_address(client, "redis")
    return redis.Redis(host=host, port=port, password=password, socket_timeout=10)


@dataclass
class Results:
    """What the consumer recorded in Redis (the platform's record of scored payments); the
    connection is made once the release (and its Redis password) exists."""

    keys: RedisKeys
    connection: redis.Redis[bytes] | None = None

    @property
    def redis(self) -> redis.Redis[bytes]:
        if self.connection is None:
            raise RuntimeError("Redis is reached once the release is installed")
        return self.connection

    def scored_total(self) -> int:
        return int(self.redis.hget(self.keys.stats, "transactions") or 0)

    def recorded(self, id_prefix: str) -> set[str]:
        pattern = self.keys.transaction_pattern(f"{id_prefix}*")
        return {self.keys.transaction_id(key) for key in self.redis.scan_iter(pattern, count=5_000)}


def score_probe(client: Client, api_key: str) -> dict[str, Any]:
    """POST /v1/score through the scorer's Service with a fresh example payment."""
    host, port = service_address(client, "scorer")
    payment = dict(Transaction.model_json_schema()["examples"][0])
    payment["transaction_id"] = f"tx-e2e-api-{time.monotonic_ns()}"
    payment["event_time"] = format_time(utcnow())
    began = time.monotonic()
    response = httpx.post(
        f"http://{host}:{port}/v1/score", json=payment, headers={"X-API-Key": api_key}, timeout=10
    )
    body: dict[str, Any] = response.json() if response.status_code == 200 else {}
    return {
        "url": f"http://{host}:{port}/v1/score",
        "status": response.status_code,
        "decision": body.get("decision"),
        "score": body.get("score"),
        "seconds": round(time.monotonic() - began, 3),
        "without_key_status": httpx.post(
            f"http://{host}:{port}/v1/score", json=payment, timeout=10
        ).status_code,
    }


@contextlib.contextmanager
def port_forward(client: Client, component: str) -> Iterator[str]:
    """`kubectl port-forward svc/<release>-<component>` on a free loopback port: its URL."""
    _host, remote = service_address(client, component)
    local = free_port()
    argv = [str(client.kubectl_binary), "--kubeconfig", str(client.kubeconfig), "-n", NAMESPACE,
            "port-forward", f"svc/{RELEASE}-{component}", f"{local}:{remote}"]  # fmt: skip
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while not port_open(local):
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"kubectl port-forward {component} failed: {error}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{local}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class StreamListener:
    """Counts map points in the dashboard's SSE batches from connect until ``stop``."""

    url: str
    points: int = 0
    batches: int = 0
    error: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> StreamListener:
        self._thread = threading.Thread(target=self._listen, name="sse", daemon=True)
        self._thread.start()
        return self

    def _listen(self) -> None:
        kind, first = None, True
        try:
            with httpx.stream("GET", f"{self.url}/api/stream", timeout=STREAM_TIMEOUT) as response:
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind == "batch":
                        if first:  # the snapshot of the recent past, not live payments
                            first = False
                            continue
                        self.points += len(json.loads(line[6:])["points"])
                        self.batches += 1
        except httpx.HTTPError as error:
            if not self._stop.is_set():
                self.error = f"{type(error).__name__}: {error}"

    def stop(self) -> None:
        self._stop.set()
