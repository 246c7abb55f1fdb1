"""The consumer's profile summary: py-spy's collapsed stacks to each function's share of the
samples, and committed profiles whose summary still follows from their samples and figures."""

import json
from pathlib import Path

import pytest

from fraud_bench import profile

PROFILES = Path(__file__).parents[2] / "reports" / "profiles"
RAW = """\
main (a.py);loop (a.py);features (f.py) 6
main (a.py);loop (a.py);write (w.py);pack (r.py) 3
main (a.py);loop (a.py) 1
not a stack line
"""


def test_collapsed_stacks_are_counted_per_stack() -> None:
    stacks = profile.parse_collapsed(RAW)
    assert sum(stacks.values()) == 10
    assert stacks[("main (a.py)", "loop (a.py)", "write (w.py)", "pack (r.py)")] == 3


def test_shares_split_own_time_from_time_with_callees() -> None:
    found = {s.function: s for s in profile.shares(profile.parse_collapsed(RAW))}
    assert (found["features (f.py)"].own, found["features (f.py)"].inclusive) == (0.6, 0.6)
    assert (found["write (w.py)"].own, found["write (w.py)"].inclusive) == (0.0, 0.3)
    assert (found["loop (a.py)"].own, found["loop (a.py)"].inclusive) == (0.1, 1.0)
    first = profile.shares(profile.parse_collapsed(RAW))[0]
    assert first.function == "features (f.py)"


def test_a_recursive_function_counts_once_per_stack() -> None:
    stacks = profile.parse_collapsed("f (a.py);f (a.py);g (a.py) 4\n")
    found = {s.function: s for s in profile.shares(stacks)}
    assert found["f (a.py)"].inclusive == 1.0


def test_the_summary_gives_microseconds_per_payment(tmp_path: Path) -> None:
    stem = tmp_path / "consumer-embedded-2000"
    stem.with_suffix(".txt").write_text(RAW)
    figures = {
        "mode": "embedded", "rate_tps": 2000, "produced": 100, "scored": 100, "samples": 10,
        "cpu_us_per_payment": {"consumer": 50.0}, "load_average": 0.5, "flamegraph": "x.svg",
        "machine": {"cpu": "cpu", "cores": 2}, "command": "fraud-bench profile",
    }  # fmt: skip
    stem.with_suffix(".json").write_text(json.dumps(figures))
    summary = profile.summary_of(stem)
    assert "| `features (f.py)` | 60.0 | 30.0 |" in summary  # 60% of 50 us
    assert "| `write (w.py)` | 30.0 | 15.0 |" in summary.split("inclusive time")[1]
    assert "`main (a.py)`" not in summary.split("inclusive time")[1]  # on every stack


@pytest.mark.parametrize(
    "summary", sorted(PROFILES.glob("consumer-*.md")), ids=lambda path: path.stem
)
def test_committed_profiles_follow_from_their_samples(summary: Path) -> None:
    stem = summary.with_suffix("")
    assert stem.with_suffix(".svg").exists(), "the flame graph of the same run"
    assert summary.read_text() == profile.summary_of(stem), "run make profile again"
