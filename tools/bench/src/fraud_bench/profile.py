"""``fraud-bench profile``: one consumer at one fixed rate, its CPU per payment over the steady
window (as the benchmark measures it) and, sampled by py-spy over that same window, where that
time goes: a flame graph (SVG) and the functions that spend it, per payment, in a summary.

py-spy samples without pausing the consumer (``--nonblocking``): what it reads is charged to
py-spy, so the consumer's own CPU figure holds while it is profiled.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraud_bench import report
from fraud_bench.pipeline_runs import ModeBench
from fraud_bench.servers import servers
from fraudcore.settings import KafkaSettings

TOP = 12  # functions listed in the summary
ENTRY_SHARE = 0.9  # functions on (nearly) every stack are the entry points: not listed inclusive
SAMPLES_PER_S = 100


@dataclass(frozen=True)
class Share:
    """A function's part of the sampled (non-idle) stacks: its own, and with what it calls."""

    function: str
    own: float
    inclusive: float


def parse_collapsed(text: str) -> Counter[tuple[str, ...]]:
    """py-spy's raw output: one ``frame;frame;...;leaf count`` line per distinct stack."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def shares(stacks: Counter[tuple[str, ...]]) -> list[Share]:
    """Every function's own and inclusive share of the samples, largest own share first (a
    function recursing counts once per stack)."""
    total = sum(stacks.values())
    if total == 0:
        return []
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for stack, count in stacks.items():
        own[stack[-1]] += count
        for function in set(stack):
            inclusive[function] += count
    return sorted(
        (Share(name, own[name] / total, inclusive[name] / total) for name in inclusive),
        key=lambda share: (-share.own, -share.inclusive, share.function),
    )


def summary_md(
    figures: dict[str, Any], top: list[Share], by_inclusive: list[Share], us: float
) -> str:
    """The summary: the run's figures, then the functions by own and by inclusive time, in
    percent of the consumer's sampled time and in microseconds per payment."""
    lines = [
        f"# Consumer profile: {figures['mode']} at {figures['rate_tps']} tx/s",
        "",
        f"`{figures['command']}` on {figures['machine']['cpu']} ({figures['machine']['cores']} "
        f"cores), load average {figures['load_average']} at the end.",
        "",
        f"Consumer CPU {us:.1f} us per payment over {figures['produced']} payments "
        f"({figures['scored']} scored), {figures['samples']} py-spy samples "
        f"(flame graph: `{figures['flamegraph']}`).",
        "",
    ]
    for title, rows, column in (
        ("own time (the function itself)", top, "own"),
        ("inclusive time (with what it calls)", by_inclusive, "inclusive"),
    ):
        lines += [f"## By {title}", "", "| function | % | us / payment |", "| --- | --- | --- |"]
        for share in rows:
            part = getattr(share, column)
            lines.append(f"| `{share.function}` | {part * 100:.1f} | {part * us:.1f} |")
        lines.append("")
    return "\n".join(lines)


def _py_spy() -> str:
    beside = Path(sys.executable).parent / "py-spy"  # the dev group installs it into the venv
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy not found: `make setup` installs it (dev group)")
    return found


def _spy(pid: int, seconds: float, fmt: str, output: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own venv's py-spy, arguments we built
        [
            _py_spy(), "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
            "--rate", str(SAMPLES_PER_S), "--nonblocking", "--nolineno", "--format", fmt,
            "--output", str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip


def _finish(spy: subprocess.Popen[bytes], what: str) -> None:
    _, err = spy.communicate(timeout=120)
    if spy.returncode != 0:
        raise RuntimeError(f"py-spy ({what}) failed: {err.decode(errors='replace')[-500:]}")


def profile(
    model_dir: Path,
    out: Path,
    *,
    mode: str,
    rate: int,
    seconds: float,
    flamegraph: bool,
    consumer_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One run at ``rate`` for ``seconds``: the CPU figures and, with ``flamegraph``, the flame
    graph and summary written to ``out`` (named by mode and rate)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"consumer-{mode}-{rate}"
    spies: list[tuple[subprocess.Popen[bytes], str]] = []
    with servers("fraud-profile-") as (work, broker, redis_server):
        infrastructure = {
            name: server.process.pid
            for name, server in (("broker", broker), ("redis", redis_server))
            if server.process is not None
        }
        bench = ModeBench(
            KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers),
            redis_server.url, model_dir, work, mode,
            consumer_env=consumer_env, infrastructure=infrastructure,
        )  # fmt: skip

        def sample(pid: int) -> None:
            # Two samplers over one window: py-spy writes one format per run.
            spies.append((_spy(pid, seconds, "raw", stem.with_suffix(".txt")), "raw"))
            spies.append((_spy(pid, seconds, "flamegraph", stem.with_suffix(".svg")), "svg"))

        try:
            bench.start()
            run = bench.at_rate(
                rate, seconds, float(rate), run_id=f"prof{rate}",
                on_clock=(lambda: sample(bench.processes()["consumer"])) if flamegraph else None,
            )  # fmt: skip
            for spy, what in spies:
                _finish(spy, what)
        finally:
            for spy, _ in spies:
                if spy.poll() is None:
                    spy.kill()
                    spy.wait()
            bench.stop()
    figures: dict[str, Any] = {
        "mode": mode,
        "rate_tps": rate,
        "seconds": seconds,
        "produced": run["produced"],
        "scored": run["scored"],
        "achieved_tps": run["achieved_tps"],
        "cpu_us_per_payment": run["cpu_us_per_payment"],
        "load_average": round(os.getloadavg()[0], 2),
        "machine": report.machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": f"fraud-bench profile --mode {mode} --rate {rate} --seconds {seconds:g}",
    }
    if flamegraph:
        figures["samples"] = sum(parse_collapsed(stem.with_suffix(".txt").read_text()).values())
        figures["flamegraph"] = stem.with_suffix(".svg").name
        stem.with_suffix(".json").write_text(json.dumps(figures, indent=2) + "\n")
        stem.with_suffix(".md").write_text(summary_of(stem))
    return figures


def summary_of(stem: Path) -> str:
    """The summary of a profile from its figures (``.json``) and py-spy's samples (``.txt``)."""
    figures = json.loads(stem.with_suffix(".json").read_text())
    found = shares(parse_collapsed(stem.with_suffix(".txt").read_text()))
    inner = [share for share in found if share.inclusive < ENTRY_SHARE]
    by_inclusive = sorted(inner, key=lambda s: (-s.inclusive, s.function))[:TOP]
    us = float(figures["cpu_us_per_payment"].get("consumer", 0.0))
    return summary_md(figures, found[:TOP], by_inclusive, us)
