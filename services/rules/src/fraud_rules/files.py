"""Rules files kept in git: YAML or JSON, ``{"rules": [...]}`` with one rule definition each
(fraudcore.rules.RuleDefinition), every rule compiled before anything is listed or applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from fraudcore.rules import RuleDefinition, RuleSet, RuleSetError


class RulesFileError(ValueError):
    """A file that is not a valid rule set: the file and what is wrong with it."""


def read_rules(path: Path) -> list[RuleDefinition]:
    """The file's rule definitions, each valid and the set compiling as a whole."""
    try:
        text = path.read_text()
        document: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise RulesFileError(f"{path}: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
        raise RulesFileError(f"{path}: expected a mapping with a list under 'rules'")
    definitions = []
    for index, entry in enumerate(document["rules"]):
        try:
            definitions.append(RuleDefinition.model_validate(entry))
        except ValidationError as error:
            where = entry.get("id", f"rule {index + 1}") if isinstance(entry, dict) else index + 1
            raise RulesFileError(f"{path}: {where}: {error}") from error
    try:
        RuleSet.compile(definitions)
    except RuleSetError as error:
        raise RulesFileError(f"{path}: {error}") from error
    return definitions


def rules_document(definitions: list[RuleDefinition]) -> dict[str, Any]:
    return {"rules": [definition.model_dump(mode="json") for definition in definitions]}
