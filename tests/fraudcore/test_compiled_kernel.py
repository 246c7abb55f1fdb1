"""The compiled feature code (``fraudcore.compiled_kernel``): found only while its build matches
the interpreter and the source, switched off by FRAUD_FEATURES_COMPILED=0, and computing every
feature bit for bit as the Python it is compiled from (one simulated world, labels arriving
mid-stream, replayed here compiled and in a child process as Python)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fraudcore.features.definitions
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore import compiled_kernel
from fraudcore.compiled_kernel import (
    COMPILED_DIR,
    MANIFEST,
    MODULES,
    SWITCH,
    CompiledFeatures,
    build_status,
    in_use,
    status,
)
from fraudcore.features import replay


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the feature modules, to edit."""
    copy = tmp_path / "features"
    copy.mkdir()
    for module in MODULES:
        shutil.copy(compiled_kernel.PACKAGE_DIR / f"{module}.py", copy)
    return copy


def write_manifest(directory: Path, package: Path, **changes: object) -> Path:
    directory.mkdir(exist_ok=True)
    manifest = {
        "interpreter": compiled_kernel.interpreter(),
        "sources": compiled_kernel.source_digests(package),
        **changes,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest))
    return directory


def test_a_build_matching_interpreter_and_source_is_what_the_finder_finds(
    package: Path, tmp_path: Path
) -> None:
    assert build_status() == "compiled", "`make kernel` builds it"
    built = tmp_path / "built"
    shutil.copytree(COMPILED_DIR, built)
    assert status(built, package) == "compiled"
    spec = CompiledFeatures(built, package).find_spec("fraudcore.features.definitions", None)
    assert spec is not None
    assert Path(str(spec.origin)).parent == built
    assert CompiledFeatures(built, package).find_spec("fraudcore.features.offline", None) is None
    with (package / "habits.py").open("a") as source:  # an edit after the build
        source.write("\n# edited\n")
    assert status(built, package).startswith("stale")
    assert CompiledFeatures(built, package).find_spec("fraudcore.features.state", None) is None


def test_without_a_current_build_the_feature_code_runs_as_python(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert status(tmp_path / "none", package).startswith("not built")
    other = write_manifest(tmp_path / "other", package, interpreter=".cpython-312-x.so")
    assert status(other, package).startswith("built for another interpreter")
    fresh = write_manifest(tmp_path / "fresh", package)
    assert status(fresh, package) == "compiled"
    monkeypatch.setenv(SWITCH, "0")
    assert status(fresh, package) == f"off ({SWITCH}=0)"
    assert build_status(fresh, package) == "compiled"  # make kernel need not build again
    assert CompiledFeatures(fresh, package).find_spec("fraudcore.features.kinds", None) is None


CHILD = """
import sys
import numpy as np
import pandas as pd
from fraudcore.compiled_kernel import in_use
from fraudcore.features import replay
assert not in_use()
np.save(sys.argv[2], replay(pd.read_pickle(sys.argv[1])))
"""


def test_the_compiled_code_is_in_use_and_computes_what_the_python_does(tmp_path: Path) -> None:
    assert status() == "compiled", f"{status()}: `make kernel` builds it"
    assert in_use()
    assert Path(fraudcore.features.definitions.__file__).suffix == ".so"
    table = generate(DatasetSpec(days=4, customers=600, seed=11))
    delay = pd.to_timedelta(np.where(table["is_fraud"], 3_600, 7_200), unit="s")
    table["label_time"] = (table["event_time"] + delay).dt.ceil("30min")
    assert table["is_fraud"].sum() > 20
    table.to_pickle(tmp_path / "world.pkl")
    compiled = replay(table)
    env = {**os.environ, SWITCH: "0"}
    subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "world.pkl"), str(tmp_path / "python.npy")],
        check=True,
        env=env,
        timeout=300,
    )
    python = np.load(tmp_path / "python.npy")
    assert compiled.shape == python.shape == (len(table), compiled.shape[1])
    assert np.array_equal(compiled, python, equal_nan=True)
    assert np.isfinite(compiled).mean() > 0.5  # a world with histories, not columns of NaN
