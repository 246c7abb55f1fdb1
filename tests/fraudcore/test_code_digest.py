"""Code digests follow first-party imports and see every change to what runs, nothing else."""

import sys
from pathlib import Path

import pytest

from fraudcore import code_digest
from fraudcore.code_digest import FEATURES, module_closure


def test_the_feature_digest_follows_imports_out_of_the_feature_package() -> None:
    features = module_closure(FEATURES)
    assert {"fraudcore.geo", "fraudcore.features.state", "fraudcore.features"} <= set(features)
    # The event schema is not what the features compute with.
    assert "fraudcore.schemas" not in features


def test_closure_resolves_relative_imports_skips_type_checking_and_sees_every_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "digestpkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from typing import TYPE_CHECKING\nfrom . import b\nfrom .sub.c import f\n"
        "import json\nif TYPE_CHECKING:\n    from . import hints\n",
        "b.py": "def g():\n    from digestpkg.sub import d\n",
        "hints.py": "",
        "sub/__init__.py": "",
        "sub/c.py": "f = 1\n",
        "sub/d.py": "",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(code_digest, "first_party", lambda name: name.startswith("digestpkg"))
    sys.modules.pop("digestpkg", None)

    closure = module_closure(["digestpkg.a"])
    assert set(closure) == {"digestpkg", "digestpkg.a", "digestpkg.b", "digestpkg.sub",
                            "digestpkg.sub.c", "digestpkg.sub.d"}  # fmt: skip
    before = code_digest.code_digest(["digestpkg.a"])
    (package / "sub" / "d.py").write_text("x = 2\n")  # a module imported inside a function
    after = code_digest.code_digest(["digestpkg.a"])
    assert after != before
    (package / "sub" / "d.py").write_text('"""Now documented."""\n# and commented\nx = (2)\n')
    assert code_digest.code_digest(["digestpkg.a"]) == after  # docstrings, comments, layout
