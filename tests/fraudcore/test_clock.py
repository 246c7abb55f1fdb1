"""How long a decision must wait for its label in real time, at a speed."""

import pytest

from fraudcore.clock import LABEL_HORIZON_S, MIN_MARKER_TTL_S, marker_ttl_s


def test_markers_outlive_the_label_horizon_at_the_speed() -> None:
    assert marker_ttl_s(175.0) == pytest.approx(LABEL_HORIZON_S / 175.0, abs=1)
    assert marker_ttl_s(175.0) * 175.0 >= LABEL_HORIZON_S
    assert marker_ttl_s(1.0) == LABEL_HORIZON_S  # real time: a month
    assert marker_ttl_s(1e6) == MIN_MARKER_TTL_S  # redeliveries still recognised for an hour


def test_a_clock_that_does_not_run_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        marker_ttl_s(0.0)
