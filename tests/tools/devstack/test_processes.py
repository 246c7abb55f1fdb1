"""A server that does not become ready is stopped: a failed start leaves nothing running."""

import shutil
import sys
from pathlib import Path

import pytest

from fraud_devstack import processes


def test_a_process_not_ready_in_time_is_stopped(tmp_path: Path) -> None:
    sleeper = processes.spawn(
        [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "log", detached=True
    )
    try:
        with pytest.raises(TimeoutError, match="sleeper not ready"):
            processes.wait_until(lambda: False, timeout_s=0.3, what="sleeper", process=sleeper)
        assert sleeper.poll() is not None
    finally:
        processes.kill(sleeper)


def test_a_failing_check_stops_the_process_too(tmp_path: Path) -> None:
    sleeper = processes.spawn(
        [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "log", detached=True
    )

    def broken() -> bool:
        raise ValueError("bad check")

    try:
        with pytest.raises(ValueError, match="bad check"):
            processes.wait_until(broken, timeout_s=5, what="sleeper", process=sleeper)
        assert sleeper.poll() is not None
    finally:
        processes.kill(sleeper)


def test_a_process_that_exits_early_is_reported_with_its_code(tmp_path: Path) -> None:
    quitter = processes.spawn([shutil.which("false") or "false"], tmp_path / "log", detached=False)
    with pytest.raises(RuntimeError, match="quitter exited with code 1 before it was ready"):
        processes.wait_until(lambda: False, timeout_s=5, what="quitter", process=quitter)
