"""First-party modules import one another without a circle, imports only for type checking
included (such a circle still ties two modules into one); services never import each other; the
images carry no dev or test tooling."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("fraud_producer", "fraud_consumer", "fraud_scorer", "fraud_dashboard")
# Workspace packages for development, tests and CI only.
TOOLING = {"fraud-devstack", "fraud-bench", "fraud-k8scheck", "fraud-k8sapi", "fraud-monitoring",
           "fraud-training"}  # fmt: skip


def first_party_modules() -> dict[str, Path]:
    packages = [*ROOT.glob("services/*/src/*"), *ROOT.glob("tools/*/src/*")]
    packages.append(ROOT / "training" / "src" / "fraud_training")
    modules: dict[str, Path] = {}
    for package in packages:
        for path in package.rglob("*.py"):
            parts = path.relative_to(package.parent).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    modules = first_party_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                imported.add(base)
                imported.update(f"{base}.{alias.name}" for alias in node.names)
        # A module's own packages are run on the way in, never a circle of its making.
        graph[name] = {m for m in imported if m in modules and not name.startswith(f"{m}.")}
        graph[name].discard(name)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_no_first_party_import_circle() -> None:
    assert circles(import_graph()) == []


def test_a_planted_circle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c", "a"]]


def test_services_never_import_each_other() -> None:
    crossing = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if module.split(".")[0] in SERVICES
        and target.split(".")[0] in SERVICES
        and target.split(".")[0] != module.split(".")[0]
    )
    assert crossing == []


def test_the_images_install_no_dev_or_test_tooling() -> None:
    """Each image installs its service's workspace package and what it depends on (uv.lock);
    none of that is tooling, and no module of it imports tooling."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    depends = {
        package["name"]: {dep["name"] for dep in package.get("dependencies", [])}
        for package in lock["package"]
    }
    installed: set[str] = set()
    pending = [f"fraud-{service.removeprefix('fraud_')}" for service in SERVICES]
    while pending:
        name = pending.pop()
        if name not in installed:
            installed.add(name)
            pending.extend(depends.get(name, set()))
    assert installed.isdisjoint(TOOLING), sorted(installed & TOOLING)
    modules = {name.replace("-", "_") for name in installed}
    leaks = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if module.split(".")[0] in modules and target.split(".")[0].replace("_", "-") in TOOLING
    )
    assert leaks == []
