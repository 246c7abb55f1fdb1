"""What a chaos case shows when it is not clean: its outcome, what Redis says of itself, and
what every process last said."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class _Run:
    message: str  # the line without its date and time
    line: str  # the run's first line, as logged
    count: int = 1


def clean(outcome: Any, pipeline: Any = None) -> None:
    """Nothing lost, nothing counted twice; on failure, show what every process last said."""
    if outcome.clean:
        return
    tails = [redis_says(pipeline)] if pipeline else []
    for process in pipeline.processes if pipeline else []:
        state = (
            "running"
            if process.running
            else f"exited {process.process.returncode if process.process else '?'}"
        )
        tails.append(f"--- {process.name} ({state})\n" + "\n".join(last_lines(process.log())))
    raise AssertionError(f"{outcome}\n" + "\n".join(tails))


def last_lines(log: str, count: int = 40) -> list[str]:
    """The log's last lines, a run of one message (a broker away: one line per connection
    attempt) shown once with its count, so that what came before it is still in view."""
    runs: list[_Run] = []
    for line in log.splitlines():
        message = line.split(" ", 2)[-1]
        if runs and runs[-1].message == message:
            runs[-1].count += 1
        else:
            runs.append(_Run(message, line))
    return [run.line + (f"  (x{run.count})" if run.count > 1 else "") for run in runs[-count:]]


def redis_says(pipeline: Any) -> str:
    """Whether Redis itself dropped keys (expired, evicted) or restarted during the case."""
    try:
        info = pipeline.redis().info()
    except Exception as error:  # the diagnosis must not hide the failure it explains
        return f"--- redis: {error}"
    fields = ("uptime_in_seconds", "expired_keys", "evicted_keys", "db0")
    return "--- redis: " + ", ".join(f"{name}={info.get(name)}" for name in fields)
