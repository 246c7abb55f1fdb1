"""Detection per incident: an incident is a scenario on a card (on a terminal when skimmed),
counted when it begins in the block, detected at its first alerted fraud."""

import numpy as np
import pandas as pd
import pytest

from fraud_training.incidents import began_before, detection, incident_keys


def rows() -> pd.DataFrame:
    at = pd.Timestamp("2026-03-02 10:00", tz="UTC")
    minutes = [0, 1, 2, 3, 5, 10, 30, 60, 61]
    return pd.DataFrame(
        {
            "event_time": [at + pd.Timedelta(minutes=m) for m in minutes],
            "card_id": ["c1", "c1", "g", "c1", "c2", "t1", "t2", "c3", "c3"],
            "merchant_id": ["m1", "m2", "m3", "m4", "m5", "T", "T", "m6", "m7"],
            "is_fraud": [True, True, False, True, True, True, True, True, True],
            "scenario": ["card_testing", "card_testing", "genuine", "card_testing",
                         "inflated_amounts", "compromised_terminal", "compromised_terminal",
                         "account_takeover", "account_takeover"],
        }
    )  # fmt: skip


def test_keys_are_the_card_or_for_skimming_the_terminal() -> None:
    keys = incident_keys(rows()).tolist()
    assert keys[0] == keys[1] == "card_testing:c1"
    assert keys[5] == keys[6] == "compromised_terminal:T"


def test_detection_counts_frauds_and_minutes_before_the_first_alert() -> None:
    alert = np.array([False, False, True, True, False, False, True, False, False])
    report = detection(rows(), alert, set())
    testing = report["card_testing"]
    assert (testing["incidents"], testing["detected"]) == (1, 1)
    assert testing["payments_to_detect_median"] == 2  # the third fraud was the first alerted
    assert testing["minutes_to_detect_median"] == 3
    terminal = report["compromised_terminal"]
    assert terminal["payments_to_detect_median"] == 1
    assert terminal["minutes_to_detect_median"] == 20
    assert report["inflated_amounts"]["detection_rate"] == 0.0
    assert report["inflated_amounts"]["payments_to_detect_median"] is None
    assert report["all"]["incidents"] == 4
    assert report["all"]["detection_rate"] == pytest.approx(0.5)


def test_incidents_begun_before_the_block_are_left_out() -> None:
    table = rows()
    earlier = began_before(table, table["event_time"].iloc[5])  # c1 and c2 began before
    assert earlier == {"card_testing:c1", "inflated_amounts:c2"}
    report = detection(table, np.ones(len(table), dtype=bool), earlier)
    assert set(report) == {"compromised_terminal", "account_takeover", "all"}
    assert report["all"]["incidents"] == 2
