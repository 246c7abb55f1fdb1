"""The README's reliability table is the committed reports/reliability.json, never a copy."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def reliability_table() -> str:
    cases = json.loads((ROOT / "reports" / "reliability.json").read_text())["cases"]
    lines = [
        "| case | produced | scored | lost | counted twice | dead-lettered |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in sorted(cases):
        c = cases[name]
        cells = [name, f"{c['produced']:,}", f"{c['scored']:,}", c["lost"], c["duplicated"]]
        lines.append("| " + " | ".join(map(str, [*cells, c["dead_lettered"]])) + " |")
    return "\n".join(lines)


def test_readme_reliability_table_matches_the_report() -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"<!-- reliability:start -->\n(.*?)\n<!-- reliability:end -->", readme, re.S)
    assert found, "README lacks the reliability table markers"
    assert found.group(1).strip() == reliability_table(), "regenerate: python tests/test_readme.py"


if __name__ == "__main__":  # rewrite the README table from the report
    path = ROOT / "README.md"
    text = re.sub(
        r"<!-- reliability:start -->\n.*?<!-- reliability:end -->",
        lambda _: f"<!-- reliability:start -->\n{reliability_table()}\n<!-- reliability:end -->",
        path.read_text(),
        flags=re.S,
    )
    path.write_text(text)
