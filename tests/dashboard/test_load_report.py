"""The committed ``make dashboard-load`` report says what the load test demands: every one of
the 50 clients received every point scored at 2,000 tx/s, none fell 2 s behind, and serving
them all took under one core."""

import json
from pathlib import Path

REPORT = Path(__file__).resolve().parents[2] / "reports" / "dashboard_load.json"


def test_the_committed_load_run_served_every_point_to_every_client() -> None:
    r = json.loads(REPORT.read_text())
    assert r["clients"] == 50
    assert r["rate_tps_requested"] == 2_000
    assert r["scored"] == r["rate_tps_requested"] * r["seconds"]
    assert r["points_per_client_min"] == r["points_per_client_max"] == r["scored"]
    assert 0 < r["lag_ms_p50"] <= r["lag_ms_p99"] <= r["lag_ms_max"] < 2_000
    assert 0 < r["dashboard_cpu_share_of_one_core"] < 1.0
    assert r["measured_at"].endswith("Z")
