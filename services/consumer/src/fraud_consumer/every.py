"""A gate for work that should run at most so often (commits, histograms, lag), not per batch."""

from __future__ import annotations

import time


class Every:
    """Opens at most once per ``seconds`` (monotonic clock)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._next = 0.0

    def __call__(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.seconds
        return True
