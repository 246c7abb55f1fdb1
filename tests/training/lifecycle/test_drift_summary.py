"""The drift samples placed on the world's clock: windows wholly before the shift and wholly
after it, and the features above the alert line at the live phase's end."""

from fraud_monitoring.alerts import DRIFT_PSI_MAJOR
from fraud_training.lifecycle import drift_summary
from fraud_training.lifecycle.drift_watch import Sample
from fraud_training.lifecycle.plan import LifecyclePlan

PLAN = LifecyclePlan(drift_window=100, shift_after_h=24.0, live_days=3)
DAYS = [150, 150, 150]  # payments per live day: the shift begins with day 2's


def sample(scored: int, amount: float, score: float = 0.01) -> Sample:
    return Sample(0.0, scored, 100.0, score, {"amount": amount, "hour_local": 0.9})


def test_windows_are_judged_by_the_payments_they_hold() -> None:
    samples = [
        sample(50, 0.0),  # window not full yet: left out
        sample(120, 0.02),  # day 1 only: unshifted
        sample(200, 0.2),  # straddles the shift: neither
        sample(260, 0.4),  # wholly after it: shifted
        sample(450, 0.35),  # the last payment: the phase's end
    ]
    found = drift_summary.live(samples, DAYS, PLAN, {"scored_before": 0, "produced": 450})
    assert found["unshifted"]["samples"] == 1
    assert found["unshifted"]["watched_max"] == {"feature": "amount", "psi": 0.02}
    assert found["shifted"]["samples"] == 2
    assert found["shifted"]["watched_max_lowest"] == 0.35
    assert found["shifted"]["share_above_major"] == 1.0
    # A calendar feature never fires: a window of hours is never the reference's week.
    assert found["end"]["firing_features"] == ["amount"]
    assert found["end"]["firing"] == [{"alertname": "FraudFeatureDrift", "feature": "amount"}]
    assert found["shifted"]["score_psi_lowest"] == found["shifted"]["score_psi_max"] == 0.01
    after = drift_summary.after([sample(460, 0.5), sample(560, 0.03)], 450, PLAN)
    assert after["samples"] == 1
    assert after["watched_max"]["psi"] == 0.03


def test_the_score_above_the_line_fires_its_own_alert() -> None:
    samples = [sample(120, 0.02, score=0.05), sample(260, 0.1, score=0.3), sample(450, 0.1, 0.4)]
    found = drift_summary.live(samples, DAYS, PLAN, {"scored_before": 0, "produced": 450})
    assert found["unshifted"]["score_psi_max"] == 0.05
    assert found["shifted"]["score_psi_lowest"] == 0.3
    assert found["end"]["firing"] == [{"alertname": "FraudScoreDrift"}]
    assert found["shifted"]["score_share_above_major"] == 1.0


def test_the_score_by_day_is_the_highest_window_ending_that_day() -> None:
    samples = [sample(120, 0.0, score=0.05), sample(140, 0.0, score=0.02),
               sample(260, 0.0, score=0.4), sample(300, 0.0, score=0.2)]  # fmt: skip
    # The world goes on after the live phase (shadow, promotion): those days are not the phase's.
    found = drift_summary.live(samples, [*DAYS, 150], PLAN, {"scored_before": 0, "produced": 450})
    # Day 3 has no sample of its own: the phase's end is judged by day 2's last window.
    assert found["score_psi_by_day"] == [0.05, 0.4, None]
    assert found["shifted"]["score_share_above_major"] == 0.5


def test_the_line_is_the_alerts() -> None:
    assert drift_summary.PSI_MAJOR == DRIFT_PSI_MAJOR
