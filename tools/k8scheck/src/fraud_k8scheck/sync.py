"""Keep the copies in the charts equal to their single sources.

Helm gives every chart its own values.yaml and values.schema.json, but the `global` block,
the pod settings every component offers, the shared schema definitions and the list of
environment variable names must be the same everywhere. Their sources are
charts/fraud-common/{global-values.yaml, pod-values.yaml, global.schema.json, pod.schema.json,
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

from fraud_k8scheck.components import BY_NAME, CHARTS, LIBRARY, UMBRELLA, Component


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?ms)^# >>> {name}.*?\n(.*?)^# <<< {name}\n")


# Block name in values.yaml -> its source file in the library chart.
_BLOCKS = {"global": "global-values.yaml", "pod": "pod-values.yaml"}


def _source(root: Path, block: str) -> str:
    return (root / "charts" / LIBRARY / _BLOCKS[block]).read_text()


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
    properties = dict(schema["properties"])
    if chart != UMBRELLA:
        pod_schema = root / "charts" / LIBRARY / "pod.schema.json"
        properties.update(json.loads(pod_schema.read_text()))
    component = BY_NAME.get(chart.removeprefix("fraud-"))
    if component is not None:
        properties["config"] = config_schema(component)
    schema["properties"] = properties
    return schema


def expected_values(root: Path, text: str, chart: str = UMBRELLA) -> str:
    for block in _BLOCKS if chart != UMBRELLA else ("global",):
        pattern = _block(block)
        if not pattern.search(text):
            raise ValueError(f"values.yaml lacks the '# >>> {block}' ... '# <<< {block}' markers")
        source = _source(root, block)

        def replace(match: re.Match[str], source: str = source, block: str = block) -> str:
            opening = match.group(0).split("\n", 1)[0]  # the marker line, kept as written
            return f"{opening}\n{source}# <<< {block}\n"

        text = pattern.sub(replace, text, count=1)
    return text


def _dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _targets(root: Path) -> Iterator[tuple[Path, str]]:
    """(file, expected text) for every synced file."""
    for chart in CHARTS:
        values = root / "charts" / chart / "values.yaml"
        yield values, expected_values(root, values.read_text(), chart)
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
