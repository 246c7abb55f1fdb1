"""Fault injection with exact accounting: every case records produced, scored, lost, duplicated
(counted twice) and dead-lettered transactions, in Redis and on each output topic read
``read_committed`` (missing, extra copies), into reports/reliability.json."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson
import pytest
from confluent_kafka import Message

from fraud_consumer.decoding import Decoded, decode_transaction
from fraud_devstack import KafkaBroker
from fraud_devstack.pipeline import LocalPipeline, drain_topic, topic_size
from fraudcore.kafka_client import ensure_topics
from fraudcore.redis_keys import RedisKeys
from fraudcore.settings import KafkaSettings, TopicSettings

REPORT = Path(__file__).resolve().parents[2] / "reports" / "reliability.json"


@dataclass
class Input:
    """What reached the input topic: valid payments by id, unreadable messages by position."""

    payments: set[str]
    poison: set[tuple[int, int]]  # (partition, offset)

    @classmethod
    def of(cls, messages: list[Message]) -> Input:
        payments, poison = set(), set()
        for message in messages:
            decoded = decode_transaction(message)  # the consumer's own judgement
            if isinstance(decoded, Decoded):
                payments.add(decoded.event.transaction_id)
            else:
                poison.add((message.partition() or 0, message.offset() or 0))
        return cls(payments, poison)


@dataclass
class TopicCounts:
    scored_records: int
    scored_missing: int  # valid payments without a scored record
    scored_extra: int  # records beyond one per payment (or of no payment produced)
    alerts: int
    alerts_missing: int  # review/block decisions without an alert
    alerts_extra: int  # alerts beyond one per such decision (or for an approved payment)
    letters_missing: int  # unreadable messages without a dead letter
    letters_extra: int

    @property
    def clean(self) -> bool:
        return not any(
            (
                self.scored_missing,
                self.scored_extra,
                self.alerts_missing,
                self.alerts_extra,
                self.letters_missing,
                self.letters_extra,
            )
        )


def _extra(counts: Counter[str], expected: set[str]) -> int:
    return sum(
        n - 1 if key in expected else n for key, n in counts.items() if n > 1 or key not in expected
    )


def account_topics(
    settings: KafkaSettings, topics: TopicSettings, given: Input, timeout_s: float = 90
) -> TopicCounts:
    # Longer than a vanished consumer's open transaction holds later copies back from these
    # read_committed reads: the transaction timeout (60 s) and the broker's abort sweep (10 s).
    scored = drain_topic(
        settings, topics.topic_scored, at_least=len(given.payments), idle_s=3, timeout_s=timeout_s
    )
    per_payment: Counter[str] = Counter()
    flagged: set[str] = set()
    for message in scored:
        record = orjson.loads(message.value() or b"{}")
        tx_id = record["transaction"]["transaction_id"]
        per_payment[tx_id] += 1
        if record["decision"] != "approve":
            flagged.add(tx_id)
    alerts = drain_topic(
        settings, topics.topic_alerts, at_least=len(flagged), idle_s=2, timeout_s=20
    )
    per_alert: Counter[str] = Counter(
        orjson.loads(m.value() or b"{}")["transaction"]["transaction_id"] for m in alerts
    )
    letters = drain_topic(
        settings, topics.topic_dlq, at_least=len(given.poison), idle_s=2, timeout_s=20
    )
    per_position: Counter[str] = Counter()
    for message in letters:
        letter = orjson.loads(message.value() or b"{}")
        if letter["source_topic"] == topics.topic_transactions:
            per_position[f"{letter['source_partition']}:{letter['source_offset']}"] += 1
    poison = {f"{partition}:{offset}" for partition, offset in given.poison}
    return TopicCounts(
        scored_records=len(scored),
        scored_missing=len(given.payments - set(per_payment)),
        scored_extra=_extra(per_payment, given.payments),
        alerts=len(alerts),
        alerts_missing=len(flagged - set(per_alert)),
        alerts_extra=_extra(per_alert, flagged),
        letters_missing=len(poison - set(per_position)),
        letters_extra=_extra(per_position, poison),
    )


@dataclass
class Outcome:
    case: str
    produced: int
    scored: int
    lost: int
    duplicated: int
    dead_lettered: int
    seconds: float
    topics: TopicCounts
    deterministic: bool = True  # produced is fixed by the case (not by when a kill lands)

    @property
    def clean(self) -> bool:
        redis = self.lost == 0 and self.duplicated == 0 and self.scored == self.produced
        return redis and self.topics.clean


# Compared with the committed report on every run; alert counts depend on decisions, which
# depend on how partitions interleave, so only their misses and extras are.
EXACT = ["lost", "duplicated", "dead_lettered"] + [
    f"topics.{name}" for name in ("scored_missing", "scored_extra", "alerts_missing",
                                  "alerts_extra", "letters_missing", "letters_extra")
]  # fmt: skip


def _account(
    case: str,
    pipeline: LocalPipeline,
    settings: KafkaSettings,
    began: float,
    timeout_s: float = 90,
) -> Outcome:
    """Compare what reached the input topic with what the pipeline recorded in Redis and sent
    to the output topics, once it is idle. Every wait is bounded so that a stalled pipeline ends
    as an unclean Outcome (whose case then shows the process logs) well inside the test timeout."""
    topic = pipeline.topics.topic_transactions
    given = Input.of(
        drain_topic(settings, topic, expected=topic_size(settings, topic), timeout_s=60)
    )
    deadline = time.monotonic() + timeout_s
    while pipeline.scored() < len(given.payments) and time.monotonic() < deadline:
        time.sleep(0.5)
    # The topics next (their reads wait for what is still owed), then Redis: its markers and its
    # count read together, so that a consumer still catching up shows as lost, never as doubled.
    topics = account_topics(settings, pipeline.topics, given)
    time.sleep(2)  # anything still in flight would now show up as double counting
    recorded = {
        RedisKeys.transaction_id(key)
        for key in pipeline.redis().scan_iter(pipeline.keys.transaction_pattern(), count=5_000)
    }
    counted = pipeline.scored()
    return Outcome(
        case=case,
        produced=len(given.payments),
        scored=len(recorded & given.payments),
        lost=len(given.payments - recorded),
        duplicated=counted - len(recorded),
        dead_lettered=len(given.poison) - topics.letters_missing,
        seconds=round(time.monotonic() - began, 1),
        topics=topics,
    )


Accountant = Callable[..., Outcome]


@pytest.fixture
def accountant(kafka_settings: KafkaSettings) -> Iterator[Accountant]:
    """account(case, pipeline, began) -> Outcome, also written to reports/reliability.json."""
    outcomes: list[Outcome] = []

    def account(
        case: str,
        pipeline: LocalPipeline,
        began: float,
        settings: KafkaSettings | None = None,
        *,
        deterministic: bool = True,
    ) -> Outcome:
        outcome = _account(case, pipeline, settings or kafka_settings, began)
        outcome.deterministic = deterministic
        outcomes.append(outcome)
        return outcome

    yield account
    if os.environ.get("FRAUD_UPDATE_REPORTS") != "1":
        _compare_with_committed(outcomes)
    elif outcomes:
        table = json.loads(REPORT.read_text()) if REPORT.exists() else {"cases": {}}
        for outcome in outcomes:
            table["cases"][outcome.case] = asdict(outcome)
        table["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")


def _compare_with_committed(outcomes: list[Outcome]) -> None:
    """A fresh run must match the committed table (make chaos rewrites it)."""
    committed = json.loads(REPORT.read_text())["cases"] if REPORT.exists() else {}
    for outcome in outcomes:
        assert outcome.case in committed, f"{outcome.case!r} missing from {REPORT}: run make chaos"
        was, now = _flat(committed[outcome.case]), _flat(asdict(outcome))
        fields = EXACT + (["produced", "scored"] if outcome.deterministic else [])
        assert {f: now[f] for f in fields} == {f: was.get(f) for f in fields}, outcome


def _flat(case: dict[str, object]) -> dict[str, object]:
    topics = case.get("topics", {})
    assert isinstance(topics, dict)
    return {**case, **{f"topics.{name}": value for name, value in topics.items()}}


class Background(threading.Thread):
    """A thread whose failure is the test's: ``join`` raises what the work raised, and a stream
    that could not deliver everything (messages left queued, or failed deliveries) counts as
    one."""

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.failure: BaseException | None = None
        self.result: object = None  # what the work returned (a stream's report)

    def run(self) -> None:
        try:
            result = self.result = self.work()
            lost = {n: getattr(result, n, 0) for n in ("undelivered", "delivery_errors")}
            if any(lost.values()):
                raise AssertionError(f"the stream could not deliver everything ({lost}): {result}")
        except BaseException as error:  # handed to the joining test
            self.failure = error

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self.failure is not None:
            raise self.failure


@pytest.fixture
def background() -> Callable[[Callable[[], object]], threading.Thread]:
    def start(work: Callable[[], object]) -> threading.Thread:
        thread = Background(work)
        thread.start()
        return thread

    return start


@pytest.fixture
def own_broker(
    pipeline_factory: Callable[..., LocalPipeline], tmp_path: Path
) -> Iterator[tuple[KafkaBroker, KafkaSettings, LocalPipeline]]:
    """A broker of the case's own (to stop, freeze or kill) with a pipeline on it."""
    broker = KafkaBroker(tmp_path / "kafka", log_level="WARN").start()
    try:
        settings = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
        pipeline = pipeline_factory()
        pipeline.kafka = broker.bootstrap_servers
        ensure_topics(settings, pipeline.topics.all_topics(), partitions=3)
        yield broker, settings, pipeline
    finally:
        broker.stop()
