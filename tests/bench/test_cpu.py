"""CPU per payment from /proc: parsing, process trees, the load generator apart, and which
run's figures the report keeps."""

import os
import subprocess
import sys
import time

from fraud_bench import cpu, report
from fraud_bench.pipeline_runs import cpu_at_highest_rate

TICK = cpu.CLOCK_TICKS


def stat_line(pid: int, comm: str, ppid: int, utime: int, stime: int, cutime=0, cstime=0) -> str:
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime ...
    return (f"{pid} ({comm}) S {ppid} 1 1 0 -1 4194304 10 0 0 0 {utime} {stime} {cutime} "
            f"{cstime} 20 0 1 0 100 1000 10")  # fmt: skip


def test_a_command_name_with_spaces_and_parentheses_is_skipped_whole() -> None:
    stat = cpu.parse_stat(stat_line(7, "java (kafka) x", 1, 3 * TICK, TICK, TICK, 0))
    assert (stat.ppid, stat.own_s, stat.reaped_s) == (1, 4.0, 1.0)


def test_a_tree_adds_its_live_descendants_and_what_they_reaped() -> None:
    stats = {
        10: cpu.parse_stat(stat_line(10, "postgres", 1, TICK, 0, 2 * TICK, 0)),
        11: cpu.parse_stat(stat_line(11, "postgres: backend", 10, 3 * TICK, TICK)),
        12: cpu.parse_stat(stat_line(12, "postgres: walwriter", 10, TICK, 0)),
        20: cpu.parse_stat(stat_line(20, "other", 1, 50 * TICK, 0)),
    }
    assert cpu.tree_cpu_s(10, stats) == 1 + 2 + 4 + 1
    assert cpu.tree_cpu_s(99, stats) is None


def test_a_busy_process_and_a_child_that_exits_inside_the_window_are_measured() -> None:
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    sleeper = "import time; print('up', flush=True); time.sleep(30)"
    command = [sys.executable, "-c", sleeper]
    # The context closes the pipe and reaps the child once it is killed.
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == "up\n"  # its start-up is done before the window
            before = cpu.sample({"test": os.getpid(), "sleeper": child.pid})
            end = time.process_time() + 0.2
            while time.process_time() < end:
                pass
            subprocess.run([sys.executable, "-c", busy], check=True)  # exits inside the window
            after = cpu.sample({"test": os.getpid(), "sleeper": child.pid})
        finally:
            child.kill()
    spent = cpu.per_payment_us(before, after, payments=1_000)
    assert spent["test"] >= 450  # 0.2 s here and the 0.3 s child it reaped, per 1,000
    assert spent["sleeper"] < 50
    assert cpu.LOAD_GENERATOR not in spent  # it reports its own, without its start-up
    assert cpu.per_payment_us(before, after, payments=0) == {}


def test_the_report_keeps_the_highest_rate_the_consumer_kept_up_with() -> None:
    runs = {
        "100": {"saturated": False, "cpu_us_per_payment": {"consumer": 90.0}},
        "1000": {"saturated": False, "cpu_us_per_payment": {"consumer": 60.0}},
        "5000": {"saturated": True, "cpu_us_per_payment": {"consumer": 40.0}},
    }
    assert cpu_at_highest_rate(runs) == {"consumer": 60.0}
    assert cpu_at_highest_rate({"5000": runs["5000"]}) == {"consumer": 40.0}
    assert cpu_at_highest_rate({}) == {}


def test_the_markdown_has_a_cpu_table_only_when_measured() -> None:
    assert report.cpu_section({}) == []
    assert report.cpu_section({"cpu_us_per_payment": {"naive": {}}}) == []
    lines = report.cpu_section(
        {"cpu_us_per_payment": {"embedded": {"consumer": 41.25, "redis": 9.0},
                                "remote": {"consumer": 50.0, "scorer": 20.0}}}
    )  # fmt: skip
    assert "| embedded | 41.2 | 9.0 | - |" in lines or "| embedded | 41.3 | 9.0 | - |" in lines
    assert "| remote | 50.0 | - | 20.0 |" in lines


def fake_task(proc, pid: int, tid: int, comm: str, ppid: int, wait_ns: int) -> None:
    task = proc / str(pid) / "task" / str(tid)
    task.mkdir(parents=True)
    (task / "schedstat").write_text(f"5000000 {wait_ns} 12\n")
    (proc / str(pid) / "stat").write_text(stat_line(pid, comm, ppid, TICK, 0))


def test_run_queue_waits_add_every_thread_of_a_process_and_its_children(tmp_path) -> None:
    fake_task(tmp_path, 10, 10, "postgres", 1, 2_000_000_000)
    fake_task(tmp_path, 10, 11, "postgres", 1, 500_000_000)  # a second thread
    fake_task(tmp_path, 12, 12, "postgres: backend", 10, 250_000_000)
    fake_task(tmp_path, 20, 20, "other", 1, 9_000_000_000)
    waits = cpu.waits({"database": 10, "gone": 99}, proc=tmp_path)
    assert waits == {"database": 2.75}
    assert cpu.per_payment_us({"database": 0.75}, waits, payments=1_000) == {"database": 2000.0}


def test_processes_that_outnumber_the_cores_are_measured_waiting() -> None:
    """One busy process more than there are cores: together they wait about a core's time."""
    busy = "import time\nend = time.time() + 3.0\nwhile time.time() < end: pass"
    children = [subprocess.Popen([sys.executable, "-c", busy]) for _ in range(os.cpu_count() + 1)]
    pids = {f"busy{i}": child.pid for i, child in enumerate(children)}
    try:
        time.sleep(0.5)  # all of them started and spinning
        before, began = cpu.waits(pids), time.monotonic()
        time.sleep(1.0)
        after, window = cpu.waits(pids), time.monotonic() - began
    finally:
        for child in children:
            child.kill()
            child.wait()
    assert set(before) == set(after) == set(pids)
    waited = sum(after.values()) - sum(before.values())
    assert waited > 0.25 * window, waited
