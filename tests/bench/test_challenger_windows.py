"""A switch run's records cut into the windows around each change of serving version and the
steady state (every other payment after the run's first second)."""

import datetime as dt

from fraud_bench.challenger import AROUND_S, around_switches

T0 = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def record(ms: int, version: str, latency: float) -> dict:
    at = T0 + dt.timedelta(milliseconds=ms)
    return {"scored_at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "model_version": version,
            "timings": {"end_to_end_ms": latency}}  # fmt: skip


def test_windows_hold_the_payments_around_each_change_and_the_steady_state_the_rest() -> None:
    # 9 s at one payment per 10 ms (two scored at the same instant each time): a, then b from
    # 3 s, then a again from 6 s; slow payments only just after each change.
    records = [
        record(ms, "b" if 3_000 <= ms < 6_000 else "a", 40.0 if ms % 3_000 < 100 else 5.0)
        for ms in range(0, 9_000, 10)
        for _ in range(2)
    ]
    found = around_switches(list(reversed(records)), T0)
    assert [(v["model_version"], v["payments"]) for v in found["versions"]] == [
        ("a", 600), ("b", 600), ("a", 600),
    ]  # fmt: skip
    per_window = round(2 * AROUND_S * 1_000 / 10) * 2 + 2  # both edges included
    assert [w["payments"] for w in found["windows"]] == [per_window, per_window]
    assert [w["p99_ms"] for w in found["windows"]] == [40.0, 40.0]
    assert found["steady"]["p99_ms"] == 5.0  # the first second (slow too) is left out
    assert found["steady"]["payments"] == 1_800 - 200 - 2 * per_window
