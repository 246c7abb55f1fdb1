"""Build a kustomization offline, with its remote resources replaced by local stand-ins.

k8s/strimzi includes the Strimzi release manifest by URL, which cannot be fetched here. The
build still proves what can go wrong on our side: the kustomization parses, its bases load
(kustomize refuses plain files outside the kustomization's folder), and its patches land,
which is visible in the output because a patch whose target matches nothing is ignored
silently.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from fraud_k8scheck import tools


def build(folder: Path, stand_ins: Mapping[str, str], *, root: Path) -> list[dict[str, Any]]:
    """Objects of `kustomize build folder`, each remote resource URL in `stand_ins` replaced
    by a local file with the given YAML. `root` is copied so relative bases still resolve."""
    binary = tools.kustomize()
    if binary is None:
        raise FileNotFoundError("kustomize not found: run `make k8s-tools`")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / root.name
        shutil.copytree(root, copy)
        target = copy / folder.relative_to(root)
        kustomization = target / "kustomization.yaml"
        text = kustomization.read_text()
        for index, (url, content) in enumerate(stand_ins.items()):
            if url not in text:
                raise ValueError(f"{url} is not a resource of {folder}")
            name = f"stand-in-{index}.yaml"
            (target / name).write_text(content)
            text = text.replace(url, name)
        kustomization.write_text(text)
        done = subprocess.run(  # noqa: S603 - fixed binary, arguments from our own code
            [str(binary), "build", str(target)], capture_output=True, text=True, check=False
        )
    if done.returncode:
        raise RuntimeError(f"kustomize build {folder}:\n{done.stderr}")
    return [doc for doc in yaml.load_all(done.stdout, Loader=yaml.CSafeLoader) if doc]
