"""A run's work directory goes with the run, or stays where FRAUD_BENCH_KEEP_WORK says."""

from pathlib import Path

import pytest

from fraud_bench.servers import KEEP_WORK, work_directory


def test_the_work_directory_is_removed_after_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEEP_WORK, raising=False)
    with work_directory("fraud-test-") as work:
        (work / "consumer.log").write_text("kept only while the run lasts")
    assert not work.exists()


def test_the_work_directory_is_removed_when_the_run_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEEP_WORK, raising=False)
    with pytest.raises(RuntimeError), work_directory("fraud-test-") as work:
        raise RuntimeError("the run failed")
    assert not work.exists()


def test_a_kept_work_directory_stays_where_it_was_asked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(KEEP_WORK, str(tmp_path / "runs"))
    with work_directory("fraud-test-") as first, work_directory("fraud-test-") as second:
        (first / "consumer.log").write_text("read after the run")
    assert first != second
    assert first.parent == second.parent == tmp_path / "runs"
    assert (first / "consumer.log").read_text() == "read after the run"
