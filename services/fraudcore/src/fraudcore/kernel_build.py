"""Builds the compiled feature code (``fraudcore.compiled_kernel``): ``python -m
fraudcore.kernel_build build`` compiles its modules with mypyc (a C compiler, Python's headers,
mypy and setuptools needed: dev tools, so this module is not imported by anything that serves)
into ``fraudcore/features/_compiled`` and puts the ``.pth`` file that installs the finder;
``status`` says whether the feature code runs compiled, and why not."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from mypyc.build import mypycify
from setuptools import setup

from fraudcore.compiled_kernel import (
    COMPILED_DIR,
    GROUP,
    MANIFEST,
    MODULES,
    PACKAGE_DIR,
    PTH_FILE,
    PTH_LINE,
    build_status,
    interpreter,
    source_digests,
    status,
)


def build(compiled_dir: Path = COMPILED_DIR) -> None:
    """Compile MODULES with mypyc (a C compiler and setuptools needed) into ``compiled_dir``."""
    sources = [str(Path("fraudcore", "features", f"{module}.py")) for module in MODULES]
    digests = source_digests()
    with tempfile.TemporaryDirectory(prefix="fraud-kernel-") as work:
        # A copy of the package alone: mypy reads the working directory as the user's code, and
        # an installed fraudcore's directory (site-packages) holds other libraries' modules.
        source_root = Path(work, "src")
        skip = shutil.ignore_patterns("_compiled", "__pycache__", "*.so")
        shutil.copytree(PACKAGE_DIR.parent, source_root / "fraudcore", ignore=skip)
        here = Path.cwd()
        os.chdir(source_root)  # mypyc names modules after paths relative to the working directory
        try:
            setup(
                name="fraudcore-features-kernel",
                ext_modules=mypycify(  # type: ignore[arg-type]  # distutils' Extension too
                    sources, opt_level="3", group_name=GROUP, target_dir=f"{work}/c"
                ),
                script_args=[
                    "--quiet", "build_ext", "--build-lib", f"{work}/lib",
                    "--build-temp", f"{work}/temp",
                ],
            )  # fmt: skip
        finally:
            os.chdir(here)
        built = sorted(Path(work, "lib", "fraudcore", "features").glob("*.so"))
        staged = Path(work, "staged")
        staged.mkdir()
        for library in built:
            shutil.copy2(library, staged / library.name)
        manifest = {"interpreter": interpreter(), "sources": digests}
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        shutil.rmtree(compiled_dir, ignore_errors=True)
        shutil.copytree(staged, compiled_dir)
    Path(sysconfig.get_paths()["purelib"], PTH_FILE).write_text(PTH_LINE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fraudcore.kernel_build")
    parser.add_argument("command", choices=["build", "status"])
    parser.add_argument("--force", action="store_true", help="build even if the build is current")
    args = parser.parse_args(argv)
    pth = Path(sysconfig.get_paths()["purelib"], PTH_FILE)
    if args.command == "build" and (
        args.force or build_status() != "compiled" or not pth.is_file()
    ):
        build()
    print(f"feature code: {status()}")
    return 0 if args.command == "status" or build_status() == "compiled" else 1


if __name__ == "__main__":
    sys.exit(main())
