"""Validate rendered objects strictly: built-in kinds and custom resources alike.

Built-in kinds use kubernetes-validate's strict schemas (unknown fields rejected) for the
Kubernetes version the charts are rendered for; custom resources use the strict CRD schemas
from k8s/schemas/crds. An object whose kind neither knows is an error, not a pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate

from fraud_k8scheck import crds
from fraud_k8scheck.helm import KUBE_VERSION


@dataclass(frozen=True)
class Problem:
    kind: str
    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}: {self.message}"


class Validator:
    def __init__(self, crd_files: Iterable[Path], kube_version: str = KUBE_VERSION) -> None:
        self._crds = crds.load(crd_files)
        self._kube_version = kube_version

    def custom_kinds(self) -> set[crds.Kind]:
        return set(self._crds)

    def problems(self, obj: dict[str, Any]) -> list[Problem]:
        kind = str(obj.get("kind"))
        name = str(obj.get("metadata", {}).get("name"))
        key = (str(obj.get("apiVersion")), kind)
        if key in self._crds:
            validator = jsonschema.Draft7Validator(self._crds[key])
            return [
                Problem(kind, name, f"{'/'.join(map(str, error.absolute_path))}: {error.message}")
                for error in validator.iter_errors(obj)
            ]
        try:
            kubernetes_validate.validate(obj, self._kube_version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            return [Problem(kind, name, f"no schema for {key[0]} {kind}")]
        except kubernetes_validate.ValidationError as error:
            path = "/".join(map(str, error.path))
            return [Problem(kind, name, f"{path}: {error.message}")]
        return []

    def all_problems(self, objects: Iterable[dict[str, Any]]) -> list[Problem]:
        return [problem for obj in objects for problem in self.problems(obj)]
