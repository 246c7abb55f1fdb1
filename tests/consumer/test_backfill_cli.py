"""``fraud-consumer backfill`` loads again when Redis goes away for a moment during the load (a
container network's name service, a restart), until its ``--wait-s`` runs out."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from fraud_consumer import backfill_cli
from fraud_consumer.backfill import BackfillResult

LOADED = BackfillResult(rows=10, labels=4, pending=2, cards=3, merchants=2, seconds=0.1)


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(backfill_cli, "_wait_until_ready", lambda *_: None)
    monkeypatch.setattr(backfill_cli.time, "sleep", lambda _: None)
    path = tmp_path / "world.jsonl"
    path.write_text("")
    return path


def loads_failing(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[int]:
    calls: list[int] = []

    def load(*_args: object, **_kwargs: object) -> BackfillResult:
        calls.append(1)
        if len(calls) <= failures:
            raise redis.ConnectionError("Error -3 connecting to redis:6379. Temporary failure")
        return LOADED

    monkeypatch.setattr(backfill_cli, "backfill", load)
    return calls


def test_a_load_cut_by_redis_going_away_is_made_again(
    history: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = loads_failing(monkeypatch, failures=2)
    assert backfill_cli.backfill_main(["--history", str(history), "--wait-s", "60"]) == 0
    assert len(calls) == 3
    assert '"rows": 10' in capsys.readouterr().out


def test_without_time_left_the_error_ends_the_load(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = loads_failing(monkeypatch, failures=1)
    with pytest.raises(redis.ConnectionError):
        backfill_cli.backfill_main(["--history", str(history)])
    assert len(calls) == 1
