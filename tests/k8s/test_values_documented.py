"""Every value in every values.yaml is explained by a comment right above it."""

import re
from pathlib import Path

import pytest

from fraud_k8scheck.objects import CHARTS_DIR

pytestmark = pytest.mark.k8s

FILES = [
    *sorted(CHARTS_DIR.glob("*/values.yaml")),
    CHARTS_DIR / "fraud-common" / "global-values.yaml",
]
# Self-explanatory members of an explained parent (resource amounts, probe timings, selectors).
SELF_EXPLANATORY_UNDER = {
    "requests", "limits", "matchLabels", "startup", "liveness", "readiness", "ipBlock",
    "podSelector", "namespaceSelector",
}  # fmt: skip
KEY = re.compile(r"^(\s*)(?:- )?([\w.\-]+):(.*)$")


def undocumented(text: str) -> list[str]:
    """Lines setting a value with no comment right above, outside the self-explanatory blocks."""
    lines = text.splitlines()
    parents: list[tuple[int, str]] = []
    found = []
    for number, line in enumerate(lines):
        match = KEY.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent, key, value = len(match.group(1)), match.group(2), match.group(3).strip()
        while parents and parents[-1][0] >= indent:
            parents.pop()
        parent = parents[-1][1] if parents else None
        parents.append((indent, key))
        above = lines[number - 1].strip() if number else ""
        if value and not above.startswith("#") and parent not in SELF_EXPLANATORY_UNDER:
            found.append(f"{number + 1}: {line.strip()}")
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_value_is_commented(path: Path) -> None:
    assert undocumented(path.read_text()) == []


def test_an_uncommented_value_is_found() -> None:
    text = "image:\n  # The image.\n  repository: x\n  tag: y\n"
    assert undocumented(text) == ["4: tag: y"]
