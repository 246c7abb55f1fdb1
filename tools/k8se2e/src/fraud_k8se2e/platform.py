"""Everything a case needs in one place: the cluster's client, the external Kafka, the release,
the results in Redis, and how to run and account one stream of payments."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fraud_k8sapi.kubectl import Client
from fraud_k8sapi.node.cluster import NodeCluster
from fraud_k8se2e import pods
from fraud_k8se2e.broker import ExternalKafka
from fraud_k8se2e.database import InClusterPostgres
from fraud_k8se2e.decision_log import DecisionLog
from fraud_k8se2e.reach import Results
from fraud_k8se2e.release import NAMESPACE, RELEASE, Release
from fraud_k8se2e.traffic import Outcome, Snapshot, Stream, account

Log = Callable[[str], None]


@dataclass(frozen=True)
class Sizes:
    """Payments per case: the full run, or the shortened one CI runs."""

    plain: int
    fault: int
    after_restart: int
    kind: str

    @classmethod
    def full(cls) -> Sizes:
        return cls(plain=12_000, fault=6_000, after_restart=2_000, kind="full")

    @classmethod
    def quick(cls) -> Sizes:
        return cls(plain=3_000, fault=2_000, after_restart=1_000, kind="quick")


@dataclass
class Platform:
    node: NodeCluster
    kafka: ExternalKafka
    release: Release
    results: Results
    database: InClusterPostgres
    group: str
    sizes: Sizes
    log: Log
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def client(self) -> Client:
        return self.node.client()

    @property
    def decision_log(self) -> DecisionLog:
        return DecisionLog(self.database)

    def consumer(self) -> dict[str, Any]:
        (pod,) = pods.of(self.client, NAMESPACE, "consumer")
        return pod

    def scored_since(self, before: Snapshot) -> int:
        return self.results.scored_total() - before.scored_total

    def stream(
        self,
        case: str,
        count: int,
        *,
        poison_rate: float = 0.0,
        mid_stream: Callable[[], dict[str, Any]] | None = None,
    ) -> Outcome:
        """Stream ``count`` payments from a Job; once a third are scored, ``mid_stream`` acts
        (a fault); then account for every payment."""
        before = Snapshot.take(self.kafka, self.results)
        stream = Stream(self.client, count, poison_rate).start()
        self.log(f"{case}: {count} payments at the fixed rate from job {stream.name}")
        details: dict[str, Any] = {}
        if mid_stream is not None:
            pods.wait(lambda: self.scored_since(before) >= count // 3, 180, f"{case}: a third")
            details = mid_stream()
        outcome = account(case, stream, before=before, kafka=self.kafka, results=self.results,
                          log=self.decision_log, group=self.group)  # fmt: skip
        outcome.details.update(details)
        self.outcomes.append(outcome)
        self.log(f"{case}: {'passed' if outcome.clean else 'FAILED'} {outcome.as_dict()}")
        self.client.kubectl("delete", "job", stream.name, "-n", NAMESPACE, "--wait=false")
        return outcome

    def delete_pod(self, component: str) -> dict[str, Any]:
        """Delete the component's pod (graceful, as `kubectl delete pod` does) and time its
        replacement to Ready."""
        (old,) = pods.of(self.client, NAMESPACE, component)
        name = old["metadata"]["name"]
        began = time.monotonic()
        self.client.kubectl("delete", "pod", name, "-n", NAMESPACE, "--wait=false")

        def replaced() -> bool:
            fresh = [p for p in pods.of(self.client, NAMESPACE, component)
                     if p["metadata"]["name"] != name]  # fmt: skip
            return bool(fresh) and all(pods.ready(p) for p in fresh)

        pods.wait(replaced, 240, f"a new {component} pod Ready")
        return {"deleted_pod": name, "replacement_ready_s": round(time.monotonic() - began, 1)}

    def deployment_pods_ready(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for deployment in self.client.items("deployments", NAMESPACE):
            name = deployment["metadata"]["name"].removeprefix(f"{RELEASE}-")
            counts[name] = int(deployment.get("status", {}).get("readyReplicas") or 0)
        return counts
