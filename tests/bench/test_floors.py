"""The broker's warm-up before the floors: its JIT compiler's CPU read from /proc, and traffic
kept up until that compiler is quiet (the traffic itself stood in for: the loop is the unit)."""

import re
import time
from pathlib import Path

import pytest

from fraud_bench import floors, report, report_rows
from fraudcore.settings import KafkaSettings
from tests.bench.test_cpu import TICK, stat_line


def fake_thread(proc: Path, pid: int, tid: int, comm: str, ticks: int) -> None:
    task = proc / str(pid) / "task" / str(tid)
    task.mkdir(parents=True)
    (task / "comm").write_text(comm + "\n")
    (task / "stat").write_text(stat_line(tid, comm, 1, ticks, ticks))


def test_the_compiler_threads_cpu_is_theirs_alone(tmp_path: Path) -> None:
    fake_thread(tmp_path, 40, 41, "C2 CompilerThre", 3 * TICK)
    fake_thread(tmp_path, 40, 42, "C1 CompilerThre", TICK)
    fake_thread(tmp_path, 40, 43, "data-plane-kafk", 50 * TICK)
    assert floors.compiler_cpu_s(40, proc=tmp_path) == 8.0
    assert floors.compiler_cpu_s(99, proc=tmp_path) == 0.0


@pytest.fixture
def compiler(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The compiler's share of a core per window to report (each window about 10 ms of traffic;
    the CPU follows the window's real length, which a loaded machine stretches)."""
    per_window: list[float] = []
    spent = [0.0]

    def traffic(settings: KafkaSettings, rate: float, seconds: float) -> list[float]:
        began = time.monotonic()
        time.sleep(0.01)
        spent[0] += per_window.pop(0) * (time.monotonic() - began)
        return []

    monkeypatch.setattr(floors, "kafka_latencies", traffic)
    monkeypatch.setattr(floors, "compiler_cpu_s", lambda pid: spent[0])
    return per_window


def test_the_warm_up_lasts_until_the_compiler_is_quiet(compiler: list[float]) -> None:
    compiler += [0.5, 0.4, 0.01, 0.0]  # busy, busy, then quiet windows
    warmup = floors.warm_broker(KafkaSettings(kafka_bootstrap_servers="127.0.0.1:9"), 7, 0.0)
    assert warmup["jit_quiet"] is True
    assert len(warmup["jit_core_share"]) == 3
    assert warmup["jit_core_share"][0] > floors.JIT_QUIET > warmup["jit_core_share"][-1]
    line = "\n".join(report.warmup_lines(warmup))
    assert "until its JIT compiler was quiet (share of a core per window:" in line
    sentence = report_rows.warmed(warmup)
    assert re.search(r"until its JIT compiler was quiet \(last window: [01]% of a core\)", sentence)


def test_the_warm_up_gives_up_at_its_limit_and_says_so(compiler: list[float]) -> None:
    compiler += [0.5] * 3
    warmup = floors.warm_broker(
        KafkaSettings(kafka_bootstrap_servers="127.0.0.1:9"), 7, 0.0, max_s=0.0
    )
    assert warmup["jit_quiet"] is False
    assert len(warmup["jit_core_share"]) == 1
    assert "still compiling" in "\n".join(report.warmup_lines(warmup))
    assert report.warmup_lines(None) == []
    sentence = report_rows.warmed(warmup)
    assert re.search(r"still compiling \(last window: \d+% of a core\)", sentence)
    assert report_rows.warmed(None) == ""
