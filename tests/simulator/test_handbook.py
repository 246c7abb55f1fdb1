"""The handbook simulator makes the handbook's published dataset (seed 0) and worlds like it."""

import pandas as pd
import pytest

from fraud_simulator.handbook import HANDBOOK_COLUMNS, HandbookParams, generate_handbook


@pytest.fixture(scope="module")
def full_run() -> pd.DataFrame:
    return generate_handbook(seed=0)


@pytest.mark.slow
def test_full_run_is_the_published_dataset(full_run: pd.DataFrame) -> None:
    # The figures the handbook prints when it generates its data; the row-by-row identity is
    # checked through the committed benchmark reports' data digests.
    assert list(full_run.columns) == HANDBOOK_COLUMNS
    assert len(full_run) == 1_754_155
    assert int(full_run["TX_FRAUD"].sum()) == 14_681
    counts = full_run["TX_FRAUD_SCENARIO"].value_counts().to_dict()
    assert {k: counts[k] for k in (1, 2, 3)} == {1: 973, 2: 9_077, 3: 4_631}
    first = full_run.iloc[0]
    assert (str(first["TX_DATETIME"]), first["CUSTOMER_ID"], first["TERMINAL_ID"]) == (
        "2018-04-01 00:00:31",
        596,
        3156,
    )


@pytest.mark.slow
def test_scenarios_follow_their_rules(full_run: pd.DataFrame) -> None:
    scenario = full_run["TX_FRAUD_SCENARIO"]
    assert set(scenario.unique()) == {0, 1, 2, 3}
    assert (full_run.loc[scenario == 1, "TX_AMOUNT"] > 220).all()
    assert (full_run["TX_FRAUD"] == (scenario > 0)).all()
    # Everything above 220 is fraud (scenario 1, or 2/3 when those came first or later).
    assert full_run.loc[full_run["TX_AMOUNT"] > 220, "TX_FRAUD"].all()
    days = (full_run["TX_DATETIME"] - pd.Timestamp("2018-04-01")).dt.days
    assert (days.min(), days.max()) == (0, 182)


def test_short_run_scales_with_days() -> None:
    short = generate_handbook(seed=1, params=HandbookParams(days=20))
    per_day = len(short) / 20
    assert per_day == pytest.approx(1_754_155 / 183, rel=0.08)
    assert short["TRANSACTION_ID"].tolist() == list(range(len(short)))
    assert short["TX_DATETIME"].is_monotonic_increasing


def test_same_seed_same_data() -> None:
    params = HandbookParams(days=5, customers=300, terminals=600)
    pd.testing.assert_frame_equal(generate_handbook(3, params), generate_handbook(3, params))
