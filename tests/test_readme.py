"""The README's reliability, benchmark and live evaluation tables are the committed reports, never
copies."""

import json
import re
from pathlib import Path

import pytest

from fraud_bench.report import headline
from fraud_training.live_eval import report as live_eval

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


def bench_table() -> str:
    return headline(json.loads((ROOT / "reports" / "bench.json").read_text()))


def live_eval_table() -> str:
    return live_eval.headline(json.loads((ROOT / "reports" / "live_eval.json").read_text()))


TABLES = {"reliability": reliability_table, "bench": bench_table, "live_eval": live_eval_table}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_readme_table_matches_the_report(name: str) -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", readme, re.S)
    assert found, f"README lacks the {name} table markers"
    expected = TABLES[name]().strip()
    assert found.group(1).strip() == expected, "regenerate: python tests/test_readme.py"


if __name__ == "__main__":  # rewrite the README tables from the reports
    path = ROOT / "README.md"
    text = path.read_text()
    for name, table in TABLES.items():
        text = re.sub(
            rf"<!-- {name}:start -->\n.*?<!-- {name}:end -->",
            lambda _, n=name, t=table: f"<!-- {n}:start -->\n{t()}\n<!-- {n}:end -->",
            text,
            flags=re.S,
        )
    path.write_text(text)
