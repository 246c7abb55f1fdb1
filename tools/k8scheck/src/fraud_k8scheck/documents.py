"""Validate configuration files (skaffold, compose) against their published JSON schemas."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from fraud_k8scheck.objects import SCHEMAS

SKAFFOLD_SCHEMA = SCHEMAS / "json" / "skaffold-v4beta13.json"
COMPOSE_SCHEMA = SCHEMAS / "json" / "compose-spec.json"


@cache
def _validator(schema_file: Path) -> jsonschema.protocols.Validator:
    schema = json.loads(schema_file.read_text())
    # compose-spec names its draft as "https://json-schema.org/draft-07/schema", a spelling
    # jsonschema does not recognise; both files are draft 7.
    draft7 = "draft-07" in str(schema.get("$schema", ""))
    cls = jsonschema.Draft7Validator if draft7 else jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator: jsonschema.protocols.Validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return validator


def problems(schema_file: Path, document: Any) -> list[str]:
    errors = _validator(schema_file).iter_errors(document)
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def file_problems(schema_file: Path, path: Path) -> list[str]:
    """Every YAML document of the file against the schema."""
    found = []
    for index, document in enumerate(yaml.safe_load_all(path.read_text())):
        found += [f"{path.name}[{index}]{problem}" for problem in problems(schema_file, document)]
    return found
