"""Payments at a fixed rate for a fixed count, from a pod, and their exact accounting.

Each case streams from a Job made of the chart's own producer pod template (same image,
configuration, Kafka credentials and hardening), with its own run id, so every payment of the
case is recognisable by its id. ``account`` then compares, once the pipeline is idle:
  - produced: the case's messages on the transactions topic, read between two snapshots of
    the topic's end offsets (valid payments by id; anything without one is poison);
  - scored: the case's payments the consumer recorded in Redis (one key per payment);
  - logged / log rows: the case's payments with a row in the decision log (PostgreSQL), and
    its rows in all (one per payment: a redelivery must not add a second);
  - lost / doubled: produced but not recorded / counted in the running total more than once;
  - dead-lettered: what reached the DLQ meanwhile, and how many of those were valid payments;
  - lag: the consumer group's committed offsets against the topic's end (0: all consumed).
"""

from __future__ import annotations

import base64
import copy
import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from fraud_k8sapi.kubectl import Client
from fraud_k8se2e import rules
from fraud_k8se2e.broker import ExternalKafka, Offsets
from fraud_k8se2e.decision_log import DecisionLog
from fraud_k8se2e.reach import Results
from fraud_k8se2e.release import NAMESPACE, RELEASE
from fraudcore.schemas import Transaction

RATE_TPS = 200
LABEL_DELAY_S = 5


def producer_args(count: int, run_id: str, poison_rate: float) -> list[str]:
    """The producer's command line for a fixed-count, fixed-rate run (the one place to adapt
    when the producer's pacing flags change)."""
    return [
        "fraud-producer", "stream", "--pace", "steady", "--rate", str(RATE_TPS),
        "--count", str(count), "--run-id", run_id, "--label-delay", str(LABEL_DELAY_S),
        "--poison-rate", str(poison_rate),
    ]  # fmt: skip


def producer_job(template: dict[str, Any], name: str, argv: list[str]) -> dict[str, Any]:
    """A Job running ``argv`` in a copy of the producer Deployment's pod template."""
    pod = copy.deepcopy(template)
    container = pod["spec"]["containers"][0]
    container["command"] = argv
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        container.pop(probe, None)
    pod["spec"]["restartPolicy"] = "Never"
    pod["metadata"]["labels"] = {"app.kubernetes.io/component": "e2e-producer", "e2e-job": name}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"backoffLimit": 0, "activeDeadlineSeconds": 900, "template": pod},
    }


@dataclass
class Stream:
    """One producer Job: started, watched, and its own report read from its log."""

    client: Client
    count: int
    poison_rate: float = 0.0
    run_id: str = field(default_factory=lambda: f"e2e{uuid.uuid4().hex[:10]}")

    @property
    def name(self) -> str:
        return f"producer-{self.run_id}"

    @property
    def id_prefix(self) -> str:
        return f"tx-{self.run_id}"

    def start(self) -> Stream:
        deployment = self.client.get("deployment", f"{RELEASE}-producer", namespace=NAMESPACE)
        argv = producer_args(self.count, self.run_id, self.poison_rate)
        self.client.apply([producer_job(deployment["spec"]["template"], self.name, argv)])
        return self

    def finished(self) -> bool:
        status = self.client.get("job", self.name, namespace=NAMESPACE).get("status", {})
        if status.get("failed"):
            raise RuntimeError(f"{self.name} failed:\n{self.logs()[-3000:]}")
        return bool(status.get("succeeded"))

    def logs(self) -> str:
        result = self.client.kubectl("logs", f"job/{self.name}", "-n", NAMESPACE, check=False)
        return result.output

    def report(self) -> dict[str, Any]:
        """The producer's own summary line (sent, poison, delivery errors, achieved rate)."""
        for line in reversed(self.logs().splitlines()):
            if line.startswith('{"run_id"'):
                found: dict[str, Any] = json.loads(line)
                return found
        raise RuntimeError(f"{self.name}: no report in its log:\n{self.logs()[-2000:]}")


@dataclass
class Outcome:
    case: str
    requested: int
    produced: int
    scored: int
    logged: int
    log_rows: int
    lost: int
    doubled: int
    poison: int
    dead_lettered: int
    valid_dead_lettered: int
    offsets_advanced: int
    lag: int
    producer: dict[str, Any]
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return rules.case_passed(asdict(self))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "passed": self.clean}


@dataclass
class Snapshot:
    transactions: Offsets
    dlq: Offsets
    scored_total: int
    began: float = field(default_factory=time.monotonic)

    @classmethod
    def take(cls, kafka: ExternalKafka, results: Results) -> Snapshot:
        topics = kafka.topics
        return cls(
            kafka.end_offsets(topics.topic_transactions),
            kafka.end_offsets(topics.topic_dlq),
            results.scored_total(),
        )


def _valid_payment(value: bytes) -> Transaction | None:
    """The payment, if the consumer must accept it (the same schema it validates with)."""
    try:
        return Transaction.model_validate_json(value)
    except ValueError:
        return None


def _valid_letter(message_value: bytes) -> bool:
    original = base64.b64decode(orjson.loads(message_value)["original_value_b64"])
    return _valid_payment(original) is not None


def account(
    case: str,
    stream: Stream,
    *,
    before: Snapshot,
    kafka: ExternalKafka,
    results: Results,
    log: DecisionLog,
    group: str,
    timeout_s: float = 240,
) -> Outcome:
    topics = kafka.topics
    deadline = time.monotonic() + timeout_s
    while not stream.finished():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{case}: the producer did not finish")
        time.sleep(1)
    after = kafka.end_offsets(topics.topic_transactions)
    messages = kafka.read(topics.topic_transactions, before.transactions, after)
    ids: set[str] = set()
    poison = foreign = valid = 0
    for message in messages:
        payment = _valid_payment(message.value() or b"")
        if payment is None:
            poison += 1  # what the consumer must dead-letter
        elif payment.transaction_id.startswith(stream.id_prefix):
            ids.add(payment.transaction_id)
            valid += 1
        else:
            foreign += 1  # nothing but the case's producer may write meanwhile
    while kafka.lag(group, topics.topic_transactions) and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(3)  # anything still in flight would now show up as doubled
    recorded = results.recorded(stream.id_prefix) & ids
    counted = results.scored_total() - before.scored_total
    rows = log.rows_by_id(stream.id_prefix)
    letters = [  # the payments' letters: a label never matched is dead-lettered there too
        m
        for m in kafka.read(topics.topic_dlq, before.dlq, kafka.end_offsets(topics.topic_dlq))
        if orjson.loads(m.value() or b"{}").get("source_topic") == topics.topic_transactions
    ]
    return Outcome(
        case=case,
        requested=stream.count,
        produced=len(ids),
        scored=len(recorded),
        logged=len(set(rows) & ids),
        log_rows=sum(rows.values()),
        lost=len(ids - recorded),
        doubled=counted - len(recorded),
        poison=poison,
        dead_lettered=len(letters),
        valid_dead_lettered=sum(_valid_letter(m.value() or b"{}") for m in letters),
        offsets_advanced=sum(after.values()) - sum(before.transactions.values()),
        lag=kafka.lag(group, topics.topic_transactions),
        producer=stream.report(),
        seconds=round(time.monotonic() - before.began, 1),
        details={
            "foreign_messages": foreign,
            "resent_by_the_producer": valid - len(ids),
            "rate_tps": RATE_TPS,
            "run_id": stream.run_id,
        },
    )
