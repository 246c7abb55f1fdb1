"""Fault injection with exact accounting: every case records produced, scored, lost, duplicated
(counted twice) and dead-lettered transactions into reports/reliability.json."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson
import pytest

from fraud_devstack.pipeline import LocalPipeline, drain_topic
from fraudcore.settings import KafkaSettings

REPORT = Path(__file__).resolve().parents[2] / "reports" / "reliability.json"


@dataclass
class Outcome:
    case: str
    produced: int
    scored: int
    lost: int
    duplicated: int
    dead_lettered: int
    seconds: float
    deterministic: bool = True  # produced is fixed by the case (not by when a kill lands)

    @property
    def clean(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.scored == self.produced


def _account(
    case: str,
    pipeline: LocalPipeline,
    settings: KafkaSettings,
    began: float,
    timeout_s: float = 120,
) -> Outcome:
    """Compare what reached the input topic with what the pipeline recorded, once it is idle."""
    produced_ids, dead = set(), 0
    for message in drain_topic(
        settings, pipeline.topics.topic_transactions, idle_s=4, timeout_s=180
    ):
        try:
            produced_ids.add(orjson.loads(message.value() or b"")["transaction_id"])
        except (orjson.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            dead += 1  # poison: no id to account for, it must be dead-lettered instead
    deadline = time.monotonic() + timeout_s
    while pipeline.scored() < len(produced_ids) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # anything still in flight would now show up as double counting
    recorded = {
        key.decode().rsplit("tx:", 1)[1]
        for key in pipeline.redis().scan_iter(f"{pipeline.prefix}tx:*", count=5_000)
    }
    letters = (
        drain_topic(settings, pipeline.topics.topic_dlq, idle_s=3, timeout_s=60) if dead else []
    )
    counted = pipeline.scored()
    return Outcome(
        case=case,
        produced=len(produced_ids),
        scored=len(recorded & produced_ids),
        lost=len(produced_ids - recorded),
        duplicated=counted - len(recorded),
        dead_lettered=len(letters),
        seconds=round(time.monotonic() - began, 1),
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
        was = committed[outcome.case]
        fields = ["lost", "duplicated", "dead_lettered"]
        fields += ["produced", "scored"] if outcome.deterministic else []
        assert {f: getattr(outcome, f) for f in fields} == {f: was[f] for f in fields}, outcome


@pytest.fixture
def background() -> Callable[[Callable[[], object]], threading.Thread]:
    def start(work: Callable[[], object]) -> threading.Thread:
        thread = threading.Thread(target=work)
        thread.start()
        return thread

    return start
