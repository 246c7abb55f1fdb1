"""First-party modules import one another without a circle, imports only for type checking
included (such a circle still ties two modules into one); services never import each other; the
images carry no dev or test tooling."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("fraud_producer", "fraud_consumer", "fraud_scorer", "fraud_dashboard")
# What the root Dockerfile builds (SERVICE=<name>): the services and the one-off commands' images.
IMAGES = (*SERVICES, "fraud_decisions", "fraud_models")
# Workspace packages for development, tests and CI only.
TOOLING = {"fraud-devstack", "fraud-bench", "fraud-k8scheck", "fraud-k8sapi", "fraud-k8se2e",
           "fraud-monitoring"}  # fmt: skip
# fraud-training's commands that start local servers (its extra "live", not in the image).
LIVE_ONLY = ("fraud_training.live_eval", "fraud_training.lifecycle")


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
    """Each image installs its service's workspace package and what it depends on (uv.lock,
    extras left out); none of that is tooling, and no module of it imports tooling but those
    of fraud-training's extra "live"."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    depends = {
        package["name"]: {dep["name"] for dep in package.get("dependencies", [])}
        for package in lock["package"]
    }
    installed: set[str] = set()
    pending = [f"fraud-{image.removeprefix('fraud_')}" for image in IMAGES]
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
        if module.split(".")[0] in modules
        and target.split(".")[0].replace("_", "-") in TOOLING
        and not module.startswith(LIVE_ONLY)
    )
    assert leaks == []


def test_the_models_image_commands_run_without_the_dev_tooling() -> None:
    """fraud-models and fraud-train parse their arguments, every command's module imported, in
    an interpreter where the devstack cannot be imported (as in the fraud-models image)."""
    script = (
        "import sys\n"
        "sys.modules['fraud_devstack'] = None  # import fraud_devstack: ImportError\n"
        "import fraud_models.cli, fraud_training.cli\n"
        "for main in (fraud_models.cli.main, fraud_training.cli.main):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit as done:\n"
        "        assert done.code == 0, done.code\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "retrain" in ran.stdout
    assert "live-eval" in ran.stdout
