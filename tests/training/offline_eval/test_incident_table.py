"""Detection per incident with its money: the first alerted fraud stops the incident, the
figures agree with ``fraud_training.incidents`` where both count, and a terminal's frauds on
many cards are one incident."""

import numpy as np
import pandas as pd
import pytest

from fraud_training.incidents import detection
from fraud_training.offline_eval.incident_table import incidents, summary

T0 = pd.Timestamp("2026-03-02 10:00", tz="UTC")


def _rows() -> pd.DataFrame:
    spec = [  # minute, card, merchant, amount, fraud, scenario
        (0, "c1", "m1", 10.0, True, "account_takeover"),
        (5, "c1", "m2", 20.0, True, "account_takeover"),
        (7, "c9", "m9", 99.0, False, "genuine"),
        (9, "c1", "m3", 30.0, True, "account_takeover"),
        (10, "c2", "t1", 5.0, True, "compromised_terminal"),
        (20, "c3", "t1", 6.0, True, "compromised_terminal"),
        (30, "c4", "m4", 50.0, True, "inflated_amounts"),
        (40, "c5", "m5", 70.0, True, "inflated_amounts"),  # began before the block
    ]
    columns = ["minute", "card_id", "merchant_id", "amount", "is_fraud", "scenario"]
    rows = pd.DataFrame(spec, columns=columns)
    rows.insert(0, "event_time", T0 + pd.to_timedelta(rows.pop("minute"), unit="min"))
    return rows


ALERT = np.array([False, True, True, False, False, True, False, False])
EARLIER = {"inflated_amounts:c5"}


def test_the_first_alert_stops_the_incident_and_saves_what_follows() -> None:
    table = incidents(_rows(), {"p": ALERT}, EARLIER)
    assert list(table.index) == [
        "account_takeover:c1",
        "compromised_terminal:t1",
        "inflated_amounts:c4",
    ]
    takeover = table.loc["account_takeover:c1"]
    assert (takeover["frauds"], takeover["amount"]) == (3, 60.0)
    assert takeover["p_payments_before"] == 1
    assert takeover["p_minutes"] == 5.0
    assert takeover["p_prevented"] == 50.0  # the alerted 20 and the 30 after it
    assert takeover["p_alerted"] == 20.0  # the genuine alert in between counts for nothing
    terminal = table.loc["compromised_terminal:t1"]  # two cards, one incident
    assert terminal["frauds"] == 2
    assert (terminal["p_payments_before"], terminal["p_prevented"]) == (1, 6.0)
    missed = table.loc["inflated_amounts:c4"]
    assert not missed["p_detected"]
    assert (missed["p_prevented"], missed["p_alerted"]) == (0.0, 0.0)


def test_the_summary_agrees_with_the_models_incident_report() -> None:
    rows = _rows()
    ours = summary(incidents(rows, {"p": ALERT}, EARLIER), "p", replicates=50)
    theirs = detection(rows, ALERT, EARLIER)
    assert set(ours) == set(theirs)
    for scenario, figures in theirs.items():
        mine = ours[scenario]
        assert mine["incidents"] == figures["incidents"]
        assert mine["detection_rate"]["value"] == figures["detection_rate"]
        assert mine["payments_to_detect_median"] == figures["payments_to_detect_median"]
        assert mine["minutes_to_detect_p90"] == figures["minutes_to_detect_p90"]
        if figures["payments_to_detect_mean"] is not None:
            assert mine["payments_to_detect_mean"]["value"] == figures["payments_to_detect_mean"]
    assert ours["all"]["amount_prevented_share"]["value"] == pytest.approx(56.0 / 121.0)
    assert ours["all"]["amount_alerted_share"]["value"] == pytest.approx(26.0 / 121.0)
    low, high = ours["all"]["detection_rate"]["low"], ours["all"]["detection_rate"]["high"]
    assert 0.0 <= low <= 2 / 3 <= high <= 1.0
