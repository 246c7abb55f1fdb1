"""Opt-in timing of the consume loop's phases (CONSUMER_LOOP_TRACE_MS): a pass slower than the
threshold is logged with what it spent its time on, garbage collections included, so the waits
behind the slowest payments can be read from the log instead of guessed."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

log = logging.getLogger(__name__)
_UNTIMED: AbstractContextManager[None] = nullcontext()  # reused: an untraced loop pays ~0.2 us


class LoopTrace:
    """Phase times of one loop pass; off, a pass pays about 1 us (a shared no-op per phase)."""

    def __init__(self, threshold_ms: float) -> None:
        self.enabled = threshold_ms > 0
        self.threshold_ns = int(threshold_ms * 1e6)
        self.phases: dict[str, int] = {}
        self.gc_ns = 0
        self.gc_generations: list[int] = []
        self.messages = 0
        self._pass_began = 0
        self._gc_began = 0
        if self.enabled:
            gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter_ns()
        else:
            self.gc_ns += time.perf_counter_ns() - self._gc_began
            self.gc_generations.append(int(info["generation"]))

    def begin(self) -> None:
        if self.enabled:
            self.phases.clear()
            self.gc_ns, self.gc_generations, self.messages = 0, [], 0
            self._pass_began = time.perf_counter_ns()

    def phase(self, name: str) -> AbstractContextManager[None]:
        return self._timed(name) if self.enabled else _UNTIMED

    @contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        began = time.perf_counter_ns()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0) + time.perf_counter_ns() - began

    def end(self) -> None:
        """Log the pass if it was slow (its poll excluded: waiting for
        the first message is idleness, not work)."""
        if not self.enabled:
            return
        total = time.perf_counter_ns() - self._pass_began - self.phases.get("poll", 0)
        if total < self.threshold_ns:
            return
        spent = " ".join(f"{name}={ns / 1e6:.2f}" for name, ns in self.phases.items())
        log.info(
            "slow pass %.2f ms, %d messages: %s gc=%.2f%s",
            total / 1e6, self.messages, spent, self.gc_ns / 1e6,
            f" (generations {self.gc_generations})" if self.gc_generations else "",
        )  # fmt: skip

    def close(self) -> None:
        if self.enabled and self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)
