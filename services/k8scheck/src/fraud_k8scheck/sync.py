"""Keep the copies in the charts equal to their single sources.

Helm gives every chart its own values.yaml and values.schema.json, but the `global` block,
the shared schema definitions and the list of environment variable names must be the same
everywhere. Their sources are charts/fraud-common/{global-values.yaml, global.schema.json,
shared-defs.schema.json} and the settings classes; ``sync`` writes the copies and ``drift``
lists the files whose copies differ (a test fails on any).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic.fields import FieldInfo

from fraud_k8scheck.components import BY_NAME, CHARTS, LIBRARY, Component

_GLOBAL_BLOCK = re.compile(r"(?ms)^# >>> global.*?\n(.*?)^# <<< global\n")


def _global_values(root: Path) -> str:
    return (root / "charts" / LIBRARY / "global-values.yaml").read_text()


def _defs(root: Path) -> dict[str, Any]:
    library = root / "charts" / LIBRARY
    defs: dict[str, Any] = json.loads((library / "shared-defs.schema.json").read_text())
    defs["global"] = json.loads((library / "global.schema.json").read_text())
    return defs


def _field_schema(info: FieldInfo) -> dict[str, Any]:
    """Environment values are strings; YAML numbers and booleans are quoted by the chart."""
    schema: dict[str, Any] = {"type": ["string", "number", "boolean"]}
    choices = _choices(info.annotation)
    if choices:
        schema = {"enum": choices}
    if info.description:
        schema["description"] = info.description
    return schema


def _choices(annotation: Any) -> list[str]:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return [str(member.value) for member in candidate]
        if get_origin(candidate) is Literal:
            return [str(arg) for arg in get_args(candidate)]
    return []


def config_schema(component: Component) -> dict[str, Any]:
    fields = {name.upper(): info for name, info in component.settings.model_fields.items()}
    return {
        "type": "object",
        "additionalProperties": False,
        "description": f"environment variables of {component.settings.__name__}",
        "properties": {
            name: _field_schema(fields[name]) for name in sorted(component.config_names())
        },
    }


def expected_schema(root: Path, chart: str, current: dict[str, Any]) -> dict[str, Any]:
    schema = dict(current)
    schema["$defs"] = _defs(root)
    component = BY_NAME.get(chart.removeprefix("fraud-"))
    if component is not None:
        properties = dict(schema["properties"])
        properties["config"] = config_schema(component)
        schema["properties"] = properties
    return schema


def expected_values(root: Path, text: str) -> str:
    if not _GLOBAL_BLOCK.search(text):
        raise ValueError("values.yaml lacks the '# >>> global' ... '# <<< global' markers")
    block = _global_values(root)

    def replace(match: re.Match[str]) -> str:
        opening = match.group(0).split("\n", 1)[0]  # the marker line, kept as written
        return f"{opening}\n{block}# <<< global\n"

    return _GLOBAL_BLOCK.sub(replace, text, count=1)


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _targets(root: Path) -> Iterator[tuple[Path, str]]:
    """(file, expected text) for every synced file."""
    for chart in CHARTS:
        values = root / "charts" / chart / "values.yaml"
        yield values, expected_values(root, values.read_text())
        schema_file = root / "charts" / chart / "values.schema.json"
        current = json.loads(schema_file.read_text())
        yield schema_file, _dump(expected_schema(root, chart, current))


def drift(root: Path) -> list[Path]:
    return [path for path, text in _targets(root) if path.read_text() != text]


def sync(root: Path) -> list[Path]:
    changed = []
    for path, text in list(_targets(root)):
        if path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    return changed
