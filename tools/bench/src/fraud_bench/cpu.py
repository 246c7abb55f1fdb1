"""CPU time per payment, per process, over a measurement window (the window the latency figures
come from): what each process spent, in microseconds of CPU (user + system, every thread) per
payment produced in the window. A process's figure covers it and its descendants (PostgreSQL
serves each connection from a child), read from /proc; the load generator, which starts and
exits inside the run, reports its own (``cpu_s``: from its clock's start, i.e. without its
start-up, to its final flush), over the window the others are read for.

Beside it, the time each process's threads spent runnable but waiting for a CPU (the scheduler's
run-queue wait, /proc/<pid>/task/<tid>/schedstat): on a machine whose cores every process shares,
what a payment waits for besides the work itself."""

from __future__ import annotations

import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LOAD_GENERATOR = "load_generator"
PROC = Path("/proc")


@dataclass(frozen=True)
class Stat:
    ppid: int
    own_s: float  # utime + stime
    reaped_s: float  # cutime + cstime: its children that exited and were waited for


def parse_stat(text: str) -> Stat:
    """/proc/<pid>/stat: the command name may hold spaces and ')', so fields are counted from
    its last ')'; then state, ppid, ..., utime (14th field), stime, cutime, cstime."""
    fields = text.rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return Stat(int(fields[1]), (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS)


def _stats(proc: Path) -> dict[int, Stat]:
    stats = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                stats[int(entry.name)] = parse_stat((entry / "stat").read_text())
            except (OSError, IndexError, ValueError):
                continue  # exited while we looked
    return stats


def _children(stats: Mapping[int, Stat]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for child, stat in stats.items():
        children.setdefault(stat.ppid, []).append(child)
    return children


def _tree(pid: int, children: Mapping[int, list[int]]) -> list[int]:
    """A process and its live descendants."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def tree_cpu_s(
    pid: int, stats: Mapping[int, Stat], children: Mapping[int, list[int]] | None = None
) -> float | None:
    """CPU seconds of a process and its live descendants, with what their exited children
    spent; None once the process is gone."""
    if pid not in stats:
        return None
    tree = _tree(pid, _children(stats) if children is None else children)
    return sum(stats[member].own_s + stats[member].reaped_s for member in tree)


def sample(pids: Mapping[str, int], proc: Path = PROC) -> dict[str, float]:
    """CPU seconds so far, per named process tree (those still running)."""
    stats = _stats(proc)
    children = _children(stats)
    seconds = {name: tree_cpu_s(pid, stats, children) for name, pid in pids.items()}
    return {name: value for name, value in seconds.items() if value is not None}


def threads(pid: int, proc: Path = PROC) -> list[Path]:
    """The /proc directories of a process's live threads (none once it is gone)."""
    try:
        return list((proc / str(pid) / "task").iterdir())
    except OSError:
        return []


def _run_queue_wait_s(pid: int, proc: Path) -> float:
    """Seconds the process's live threads have waited on a run queue (0 for one that is gone)."""
    total = 0
    for task in threads(pid, proc):
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended while we looked
    return total / 1e9


def waits(pids: Mapping[str, int], proc: Path = PROC) -> dict[str, float]:
    """Run-queue wait so far in seconds, per named process tree (those still running)."""
    stats = _stats(proc)
    children = _children(stats)
    return {
        name: sum(_run_queue_wait_s(member, proc) for member in _tree(pid, children))
        for name, pid in pids.items()
        if pid in stats
    }


def per_payment_us(
    before: Mapping[str, float], after: Mapping[str, float], payments: int
) -> dict[str, float]:
    """Microseconds of CPU per payment, for the processes sampled at both ends."""
    if payments <= 0:
        return {}
    return {
        name: round((after[name] - before[name]) * 1e6 / payments, 1)
        for name in before
        if name in after
    }


def cpu_medians(rounds: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Per process, the median over the rounds of its CPU microseconds per payment (a round
    that did not see a process counts as none for it)."""
    names = sorted({name for r in rounds for name in r.get("cpu_us_per_payment", {})})
    return {
        name: statistics.median(r["cpu_us_per_payment"].get(name, 0.0) for r in rounds)
        for name in names
    }
