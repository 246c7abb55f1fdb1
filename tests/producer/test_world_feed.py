"""Live traffic continues the world: the same payments, ids and times as a dataset of that world,
the history's late labels owed, and a clock whose speed gives the rate asked for."""

from pathlib import Path

import pandas as pd
import pytest

from fraud_producer.cli import main
from fraud_producer.clock import SimClock, natural_pace
from fraud_producer.history import write_world_history
from fraud_producer.world_feed import WorldFeed, WorldSpec
from fraud_simulator.dataset import DEFAULT_START, DatasetSpec, generate
from fraud_simulator.shift import WorldShift
from fraud_simulator.simulator import DAY_S
from fraudcore.history import read_history

CUSTOMERS, HISTORY_DAYS = 800, 3


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return generate(DatasetSpec(days=HISTORY_DAYS + 1, customers=CUSTOMERS))


def cutoff() -> pd.Timestamp:
    return pd.Timestamp(DEFAULT_START, tz="UTC") + pd.Timedelta(days=HISTORY_DAYS)


def test_the_live_feed_continues_the_dataset_payment_for_payment(table: pd.DataFrame) -> None:
    feed = WorldFeed(WorldSpec(customers=CUSTOMERS, history_days=HISTORY_DAYS))
    expected = table[table["event_time"] >= cutoff()]
    events = feed.events()
    live = [next(events) for _ in range(len(expected))]
    assert [e.fields["transaction_id"] for e in live] == expected["transaction_id"].tolist()
    assert [feed.moment(e.event_us) for e in live] == expected["event_time"].tolist()
    assert [feed.moment(e.label_us) for e in live] == expected["label_time"].tolist()
    for column in ("card_id", "merchant_id", "amount", "lat", "lon", "device_id"):
        got = pd.Series([e.fields[column] for e in live], dtype=object)
        want = expected[column].astype(object).where(expected[column].notna(), None)
        assert got.tolist() == want.tolist(), column
    assert [e.scenario for e in live] == expected["scenario"].tolist()


def test_labels_of_the_history_that_arrive_after_the_start_are_owed(table: pd.DataFrame) -> None:
    feed = WorldFeed(WorldSpec(customers=CUSTOMERS, history_days=HISTORY_DAYS))
    history = table[table["event_time"] < cutoff()]
    late = history[history["label_time"] >= cutoff()]
    assert len(late) > 0.9 * len(history)  # genuine labels take 7-8 days
    owed = {o.transaction_id: o for o in feed.owed}
    assert set(owed) == set(late["transaction_id"])
    for row in late.sample(500, random_state=1).itertuples():
        label = owed[row.transaction_id]
        assert feed.moment(label.label_us) == row.label_time
        assert (label.card_id, label.scenario) == (row.card_id, row.scenario)


def test_the_history_export_holds_the_labels_known_at_the_cutoff(
    table: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "history.jsonl.gz"
    assert main(["history", "--days", str(HISTORY_DAYS), "--customers", str(CUSTOMERS),
                 "--out", str(path)]) == 0  # fmt: skip
    history = table[table["event_time"] < cutoff()]
    with read_history(path) as (header, rows):
        assert header.cutoff == cutoff().to_pydatetime()
        assert header.source["id_prefix"] == "tx-42"
        read = list(rows)
    assert [r.transaction.transaction_id for r in read] == history["transaction_id"].tolist()
    assert [r.transaction.event_time for r in read] == history["event_time"].tolist()
    known = (history["label_time"] < cutoff()).tolist()
    assert [r.label is not None for r in read] == known
    for r, row in zip(read, history.itertuples(), strict=True):
        if r.label is not None:
            assert (r.label.labelled_at, r.label.is_fraud) == (row.label_time, row.is_fraud)


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_the_same_world_gives_the_same_history_file(tmp_path: Path, suffix: str) -> None:
    spec = WorldSpec(customers=300, history_days=2)
    write_world_history(spec, tmp_path / f"a{suffix}")
    write_world_history(spec, tmp_path / f"b{suffix}")
    data = (tmp_path / f"a{suffix}").read_bytes()
    assert data == (tmp_path / f"b{suffix}").read_bytes()
    if suffix.endswith(".gz"):  # nothing of the moment or the file name in the gzip header
        assert (data[3] & 0x08, data[4:8]) == (0, b"\0\0\0\0")


def test_a_history_needs_a_jsonl_name(tmp_path: Path) -> None:
    assert main(["history", "--days", "1", "--out", str(tmp_path / "h.parquet")]) == 2


def test_the_natural_pace_is_the_simulated_rate_within_two_percent() -> None:
    feed = WorldFeed(WorldSpec(history_days=14))  # two full weeks: every weekday twice
    simulated = feed.first / (14 * 86_400)
    assert natural_pace(feed.sim.world) == feed.pace
    assert abs(feed.pace / simulated - 1) < 0.02


def test_the_clock_runs_at_its_speed() -> None:
    clock = SimClock(begin_us=1_000_000, speed=3_600.0, started=0.0)
    assert clock.seconds_until(0) == 0.0
    moment = clock.now_us()
    assert clock.seconds_until(moment + 3_600e6) == pytest.approx(1.0, abs=0.01)


def test_a_shifted_feed_changes_only_the_shifted_payments_amounts() -> None:
    spec = WorldSpec(customers=CUSTOMERS, history_days=HISTORY_DAYS)
    shift = WorldShift("spending", (HISTORY_DAYS + 0.25) * DAY_S, spec.seed)
    plain, shifted = WorldFeed(spec).events(), WorldFeed(spec, shift).events()
    pairs = [(next(plain), next(shifted)) for _ in range(2_000)]
    assert pairs[-1][0].event_us > shift.start_s * 1e6  # the shift began within them
    changed = 0
    for before, after in pairs:
        assert (before.event_us, before.label_us, before.scenario) == (
            after.event_us, after.label_us, after.scenario)  # fmt: skip
        moved = {k for k in before.fields if before.fields[k] != after.fields[k]}
        assert moved <= {"amount", "channel"}
        if moved:
            assert after.event_us >= shift.start_s * 1e6
            assert before.scenario == "genuine"
            changed += 1
    assert changed > 200
