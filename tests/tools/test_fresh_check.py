"""make fresh-check's smoke list names real tests, and the system packages have one home."""

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SMOKE_TESTS = REPO_ROOT / "tools" / "fresh-check" / "smoke-tests"
REAL_COMPONENTS = {"kafka", "redis", "prometheus", "chromium"}


def _smoke_lines() -> list[tuple[str, str]]:
    lines = [line.split() for line in SMOKE_TESTS.read_text().splitlines()]
    return [(words[0], words[1]) for words in lines if words and not words[0].startswith("#")]


def _module_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_every_smoke_test_exists_and_each_component_has_one() -> None:
    lines = _smoke_lines()
    for component, node_id in lines:
        file, _, name = node_id.partition("::")
        assert (REPO_ROOT / file).is_file(), f"{component}: {file} does not exist"
        assert name in _module_tests(REPO_ROOT / file), f"{component}: no {name} in {file}"
    assert {component for component, _ in lines} >= REAL_COMPONENTS


def test_smoke_tests_are_integration_tests() -> None:
    # They run with -m integration on the bare machine: an unmarked one would be deselected.
    for _, node_id in _smoke_lines():
        source = (REPO_ROOT / node_id.partition("::")[0]).read_text()
        assert "pytestmark = pytest.mark.integration" in source, node_id


def test_only_make_setup_installs_system_packages() -> None:
    # The list lives in tools/setup/system-packages.sh; CI and the other scripts call make setup.
    scripts = [REPO_ROOT / ".ci" / "run", REPO_ROOT / "Makefile"]
    scripts += sorted((REPO_ROOT / "tests" / "containers").glob("*.sh"))
    scripts += sorted((REPO_ROOT / "tools").rglob("*.sh"))
    installers = [
        path.relative_to(REPO_ROOT).as_posix()
        for path in scripts
        if re.search(r"apt(-get)? install", path.read_text())
    ]
    assert installers == ["tools/setup/system-packages.sh"]
