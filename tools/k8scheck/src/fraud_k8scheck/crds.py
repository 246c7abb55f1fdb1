"""Strict JSON schemas from CustomResourceDefinitions.

A CRD's openAPIV3Schema says which fields exist but, unlike the API server's pruning, plain
JSON-schema validation lets unknown ones through. Here every object schema with declared
properties rejects other keys, except where the CRD says x-kubernetes-preserve-unknown-fields
(free-form content such as Kafka's `config`) or already states additionalProperties.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

Kind = tuple[str, str]  # (apiVersion, kind)


def strict(schema: Any) -> Any:
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items()}
    pattern = result.get("pattern")
    if isinstance(pattern, str) and "(?i)" in pattern:
        # Go accepts inline flags anywhere; Python only at the start.
        result["pattern"] = "(?i)" + pattern.replace("(?i)", "")
    if result.get("x-kubernetes-int-or-string"):
        result.pop("type", None)
        result["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (
        result.get("type") == "object"
        and "properties" in result
        and not result.get("x-kubernetes-preserve-unknown-fields")
        and "additionalProperties" not in result
    ):
        result["additionalProperties"] = False
    return result


def _object_meta(schema: dict[str, Any]) -> dict[str, Any]:
    """CRDs leave metadata as a bare object; hold it to the fields we may set."""
    schema = dict(schema)
    properties = dict(schema["properties"])
    properties["metadata"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"},
            "namespace": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    schema["properties"] = properties
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    return schema


def load(paths: Iterable[Path]) -> dict[Kind, dict[str, Any]]:
    """(apiVersion, kind) -> strict schema, for every served version of every CRD given."""
    schemas: dict[Kind, dict[str, Any]] = {}
    for path in paths:
        # The C loader: the pure-Python one takes seconds on the 330 kB Kafka CRD.
        for crd in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if version.get("served"):
                    schema = strict(version["schema"]["openAPIV3Schema"])
                    schemas[(f"{group}/{version['name']}", kind)] = _object_meta(schema)
    return schemas
