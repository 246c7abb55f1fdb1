"""Simulated time: what the producer's world clock and the deployments that keep decisions
until their labels arrive must agree on.

Live traffic runs the simulated world at a speed factor (simulated seconds per real second), so a
label that comes seven simulated days after its payment arrives 7 days / speed later in real time.
Whatever keeps a decision for its label (the consumer's markers in Redis) must keep it that long.
"""

from __future__ import annotations

import math

DAY_S = 86_400
# Fraud labels come 1 h + gamma(2, 2 days) after the payment, genuine ones after 7-8 days: later
# than 30 days happens about 5 times in a million, and such a label is not waited for.
LABEL_HORIZON_S = 30 * DAY_S
MIN_MARKER_TTL_S = 3_600  # redeliveries are recognised for at least an hour whatever the speed


def marker_ttl_s(speed: float, horizon_s: float = LABEL_HORIZON_S) -> int:
    """Real seconds a decision must stay in Redis so that labels up to ``horizon_s`` simulated
    seconds late still find it, at ``speed`` simulated seconds per real second."""
    if not speed > 0:
        raise ValueError(f"speed must be positive, not {speed}")
    return max(MIN_MARKER_TTL_S, math.ceil(horizon_s / speed))
