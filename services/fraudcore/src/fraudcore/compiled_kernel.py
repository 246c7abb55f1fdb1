"""The per-payment feature code compiled to C by mypyc: the same source as
``fraudcore.features``, about 1.7x faster, used only while it matches that source.

``make kernel`` (run by ``make setup``: ``fraudcore.kernel_build``) builds it into
``fraudcore/features/_compiled`` (not in git; the images build their own), with a manifest of
each compiled module's source digest and the interpreter it was built for, and puts a ``.pth``
file in the environment's site-packages that installs ``CompiledFeatures`` at interpreter start.
That finder hands out the compiled modules only when the manifest matches the modules as they
are now: a feature module edited after the build runs as Python until it is built again, and
``FRAUD_FEATURES_COMPILED=0`` turns the compiled code off (the parity test compares both ways).
Nothing in ``fraudcore.features`` knows about it, so the code digests that models and reports
record are the same either way.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import json
import os
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent / "features"
COMPILED_DIR = PACKAGE_DIR / "_compiled"
# The per-payment modules; the offline and wording ones stay Python (run once, or for people).
MODULES = ("state", "definitions", "habits", "payments", "kinds")
GROUP = "fraudcore.features.kernel"  # mypyc's shared library: fraudcore/features/kernel__mypyc
MANIFEST = "manifest.json"
SWITCH = "FRAUD_FEATURES_COMPILED"
NAMES = frozenset({*(f"fraudcore.features.{module}" for module in MODULES), f"{GROUP}__mypyc"})
PTH_FILE = "fraudcore_kernel.pth"  # after fraudcore.pth, which puts fraudcore on the path
PTH_LINE = "import fraudcore.compiled_kernel as kernel; kernel.install()\n"


def interpreter() -> str:
    """Which interpreters can load the build: the extension suffix names the ABI."""
    return str(sysconfig.get_config_var("EXT_SUFFIX"))


def source_digests(package_dir: Path = PACKAGE_DIR) -> dict[str, str]:
    return {
        module: hashlib.sha256((package_dir / f"{module}.py").read_bytes()).hexdigest()
        for module in MODULES
    }


def status(compiled_dir: Path = COMPILED_DIR, package_dir: Path = PACKAGE_DIR) -> str:
    """The word compiled, or why the feature code runs as Python."""
    if os.environ.get(SWITCH, "1") == "0":
        return f"off ({SWITCH}=0)"
    return build_status(compiled_dir, package_dir)


def build_status(compiled_dir: Path = COMPILED_DIR, package_dir: Path = PACKAGE_DIR) -> str:
    """The word compiled when the build matches this interpreter and the source (the switch
    aside), or what it lacks."""
    try:
        manifest = json.loads((compiled_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return "not built (make kernel builds it)"
    if manifest.get("interpreter") != interpreter():
        return f"built for another interpreter ({manifest.get('interpreter')})"
    if manifest.get("sources") != source_digests(package_dir):
        return "stale: the feature code changed since it was built (make kernel builds it again)"
    return "compiled"


class CompiledFeatures(importlib.abc.MetaPathFinder):
    """Finds the compiled modules of a usable build (decided once, at the first of them asked
    for); None for everything else, which the usual finders then find."""

    def __init__(self, compiled_dir: Path = COMPILED_DIR, package_dir: Path = PACKAGE_DIR) -> None:
        self.compiled_dir, self.package_dir = compiled_dir, package_dir
        self._usable: bool | None = None

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in NAMES:
            return None
        if self._usable is None:
            self._usable = status(self.compiled_dir, self.package_dir) == "compiled"
        if not self._usable:
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, [str(self.compiled_dir)])


def install() -> None:
    """Put ``CompiledFeatures`` first among the import finders (once)."""
    if not any(isinstance(finder, CompiledFeatures) for finder in sys.meta_path):
        sys.meta_path.insert(0, CompiledFeatures())


def in_use() -> bool:
    """Whether this process runs the compiled feature code."""
    module = sys.modules.get("fraudcore.features.definitions")
    return module is not None and not str(module.__file__).endswith(".py")
