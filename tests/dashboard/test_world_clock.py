"""The dashboard reads the world's time and speed from the latest map points."""

import orjson

from fraud_dashboard.summary import world_clock
from fraudcore.live_streams import STREAM_FIELD


def point(stream_ms: int, event_time: str) -> tuple[bytes, dict[bytes, bytes]]:
    return f"{stream_ms}-0".encode(), {STREAM_FIELD.encode(): orjson.dumps({"t": event_time})}


def test_the_speed_is_world_seconds_per_real_second_over_the_sample() -> None:
    newest_first = [
        point(1_010_000, "2026-03-02T10:00:00+00:00"),
        point(1_005_000, "2026-03-02T09:45:00+00:00"),
        point(1_000_000, "2026-03-02T09:30:00+00:00"),  # 30 simulated minutes in 10 s
    ]
    assert world_clock(newest_first) == ("2026-03-02T10:00:00+00:00", 180.0)


def test_too_short_a_span_gives_the_time_without_a_speed() -> None:
    newest_first = [
        point(1_001_000, "2026-03-02T10:00:00+00:00"),
        point(1_000_000, "2026-03-02T09:00:00+00:00"),
    ]
    assert world_clock(newest_first) == ("2026-03-02T10:00:00+00:00", None)
    assert world_clock([]) == (None, None)
