"""ONNX Runtime phones home unless told not to: its Linux wheels start a telemetry uploader and
keep a device id under the home directory. The images and the Makefile's targets set the variable
that turns it off, and it is the one this ONNX Runtime reads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.containers.test_compose import ROOT, dockerfile_stages

VARIABLE = "ORT_DISABLE_TELEMETRY"


def runtime_stage_value() -> str:
    """The value the Dockerfile's runtime stage (every image's base) gives the variable."""
    found = [
        match.group(1)
        for line in dockerfile_stages()["runtime"]
        if (match := re.match(rf"ENV .*\b{VARIABLE}=(\S+)", line))
    ]
    assert len(found) == 1, found
    return found[0]


def device_ids_after_import(
    home: Path, env: dict[str, str], prefix: tuple[str, ...] = ()
) -> list[Path]:
    """The telemetry device ids a fresh interpreter loading the serving model code leaves under
    ``home``, in an environment of its own: ONNX Runtime keeps its telemetry off where it sees a
    CI service (CI, GITHUB_ACTIONS and a dozen more)."""
    subprocess.run(
        [*prefix, sys.executable, "-c", "import fraudcore.model"],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(home), **env},
        check=True,
        timeout=120,
    )
    return sorted(home.rglob("deviceid"))


def test_every_image_and_every_make_target_turn_it_off() -> None:
    assert runtime_stage_value() == "1"
    assert f"export {VARIABLE} ?= 1" in (ROOT / "Makefile").read_text().splitlines()


def test_the_value_they_set_leaves_no_device_id(tmp_path: Path) -> None:
    assert device_ids_after_import(tmp_path, {VARIABLE: runtime_stage_value()}) == []


@pytest.mark.integration  # needs unshare --net: root on the host, not in fresh-check's container
def test_without_it_onnx_runtime_keeps_a_device_id(tmp_path: Path) -> None:
    """What the test above looks for is there when telemetry runs, so it can fail; in a network
    namespace of its own (loopback only), so the uploader reaches nothing."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--net", "true"], check=False).returncode:
        if os.environ.get("CI"):
            pytest.fail("unshare --net is needed here (run as root)")
        pytest.skip("unshare --net is not permitted to this user")
    assert device_ids_after_import(tmp_path, {}, prefix=(unshare, "--net")) != []
