"""The model card's code digest is the code's: the training code and every module it runs."""

import json
import sys
from pathlib import Path

import pytest

from fraud_training import code_digest
from fraud_training.code_digest import FEATURES, TRAINING, module_closure, module_digests

CARD = Path(__file__).parents[2] / "training" / "artifacts" / "model_card.json"


def test_the_committed_model_card_matches_the_code() -> None:
    card = json.loads(CARD.read_text())["code"]
    now, then = module_digests(TRAINING), card.get("modules", {})
    changed = sorted(m for m in now.keys() | then.keys() if now.get(m) != then.get(m))
    assert changed == [], f"code changed since the model was trained: {changed}; run make train"
    assert card["sha256"] == code_digest.code_digest(TRAINING)


def test_the_digests_follow_imports_out_of_the_feature_package() -> None:
    features, training = module_closure(FEATURES), module_closure(TRAINING)
    assert {"fraudcore.geo", "fraudcore.features.state", "fraudcore.features"} <= set(features)
    assert set(features) <= set(training)
    assert {"fraud_training.train", "fraud_training.search", "fraudcore.model_card"} <= set(
        training
    )
    # Redis and the event schema are not what the features compute with.
    assert "fraudcore.feature_store" not in training
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
    monkeypatch.setattr(code_digest, "FIRST_PARTY", ("digestpkg",))
    sys.modules.pop("digestpkg", None)

    closure = module_closure(["digestpkg.a"])
    assert set(closure) == {"digestpkg", "digestpkg.a", "digestpkg.b", "digestpkg.sub",
                            "digestpkg.sub.c", "digestpkg.sub.d"}  # fmt: skip
    before = code_digest.code_digest(["digestpkg.a"])
    (package / "sub" / "d.py").write_text("x = 2\n")  # a module imported inside a function
    assert code_digest.code_digest(["digestpkg.a"]) != before
