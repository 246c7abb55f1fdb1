"""The known-card rule: a card is known compromised from the arrival of its first fraud label,
so its payments after that moment are the policy's, and none before it."""

import pandas as pd

from fraud_training.known_cards import known_compromised

AT = pd.Timestamp("2026-03-02", tz="UTC")


def hours(*values: float) -> list[pd.Timestamp]:
    return [AT + pd.Timedelta(hours=h) for h in values]


def test_payments_after_the_first_fraud_label_arrived_are_known() -> None:
    table = pd.DataFrame(
        {
            "card_id": ["a", "a", "a", "a", "b", "b", "c"],
            "event_time": hours(0, 3, 6, 30, 1, 2, 50),
            # a: a fraud at 0h whose label comes at 5h, a later one whose label comes first (4h)
            "label_time": hours(5, 4, 200, 200, 200, 200, 60),
            "is_fraud": [True, True, False, False, False, False, True],
        }
    )

    known = known_compromised(table).tolist()

    # a's fraud at 3h was paid before any label (4h); its 6h and 30h payments after it.
    assert known == [False, False, True, True, False, False, False]


def test_a_genuine_label_never_makes_a_card_known() -> None:
    table = pd.DataFrame(
        {
            "card_id": ["a", "a"],
            "event_time": hours(0, 10),
            "label_time": hours(1, 11),
            "is_fraud": [False, False],
        }
    )

    assert not known_compromised(table).any()


def test_a_label_arriving_at_the_payment_itself_is_not_before_it() -> None:
    table = pd.DataFrame(
        {
            "card_id": ["a", "a"],
            "event_time": hours(0, 2),
            "label_time": hours(2, 300),
            "is_fraud": [True, False],
        }
    )

    assert known_compromised(table).tolist() == [False, False]
