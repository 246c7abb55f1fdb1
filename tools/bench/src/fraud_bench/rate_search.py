"""The sustainable-rate search: the highest rate at which lag stays bounded, found the same way
whichever side of the first guess a variant's answer lies, so two variants' rates compare."""

from __future__ import annotations

from collections.abc import Callable

FIRST_GUESS = 0.9  # of the drain rate: the load generator alongside costs some capacity
STEP_DOWN = 0.85
DOWN_STEPS = 5
REFINE_STEPS = 2

DESCRIPTION = (
    "the highest rate at which all that was produced is scored within 2 s of the end, the load "
    "generator running alongside: a bracket around 90% of the drain rate (up to the drain rate "
    "when 90% holds, down by 15% steps when it does not), then bisected twice, so every "
    "variant ends within 5% of its answer whichever side it started on"
)


def highest_bounded(holds: Callable[[float], bool], drain_tps: float) -> float:
    """The highest rate found to hold, at most the drain rate (0 if none holds); ``holds`` runs
    one attempt at a rate."""
    rate = drain_tps * FIRST_GUESS
    if holds(rate):
        held, failed = rate, drain_tps
        if holds(drain_tps):
            return drain_tps  # the drain rate is the capacity with nothing alongside: no higher
    else:
        for _ in range(DOWN_STEPS):
            failed, rate = rate, rate * STEP_DOWN
            if holds(rate):
                held = rate
                break
        else:
            return 0.0
    for _ in range(REFINE_STEPS):
        middle = (held + failed) / 2
        if holds(middle):
            held = middle
        else:
            failed = middle
    return held
