"""ImageSet: a run builds and drops its own uniquely tagged images, or imports images another
step built from this checkout (CI: containers-check's) and leaves them where they were."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from fraud_k8se2e import images
from fraud_k8se2e.images import ImageSet


def test_a_run_tags_its_own_build_uniquely() -> None:
    first, second = ImageSet("0.1.0", "0.1.0-e2e.2"), ImageSet("0.1.0", "0.1.0-e2e.2")
    assert first.build_tag.startswith("e2e-")
    assert first.build_tag != second.build_tag


def test_reused_images_are_imported_by_their_tag_and_never_removed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[list[str]] = []

    def run(argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        return subprocess.CompletedProcess(argv, 0, "534000000\n", "")

    monkeypatch.setattr(images.subprocess, "run", run)
    reused = ImageSet("0.1.0", "0.1.0-e2e.2", reused="dev")
    monkeypatch.setattr(ImageSet, "_script", lambda self, name, *args: "")
    reused.build(lambda _: None)
    assert reused.build_tag == "dev"
    assert reused.sizes_mb == {f"fraud-{svc}": 534 for svc in images.BUILT}
    assert [argv[-1] for argv in calls] == [f"localhost/fraud-{s}:dev" for s in images.BUILT]
    assert "decisions" in images.BUILT  # the consumer chart's migrate init container
    calls.clear()
    reused.forget()
    assert calls == []  # containers-check's images stay


def test_a_missing_image_to_reuse_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def run(argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, 125, "", "image not known")

    monkeypatch.setattr(images.subprocess, "run", run)
    monkeypatch.setattr(ImageSet, "_script", lambda self, name, *args: "")
    with pytest.raises(RuntimeError, match="no image fraud-producer:gone to reuse"):
        ImageSet("0.1.0", "0.1.0-e2e.2", reused="gone").build(lambda _: None)
