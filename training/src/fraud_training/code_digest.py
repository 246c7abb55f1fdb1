"""Which code determines a result: some modules and every first-party module they import, read
from the source (imports inside functions count, imports only for type checking do not), with
the packages containing them (Python runs each package's ``__init__`` on the way in).

The model card records this for the training code, and the feature cache is keyed by it for the
feature code, so a change anywhere in what they run (``fraudcore.geo`` behind the features,
say) shows: a test compares the committed card with the code.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from collections.abc import Iterable, Iterator
from pathlib import Path

FIRST_PARTY = ("fraudcore", "fraud_training", "fraud_producer")
TRAINING = ("fraud_training.train",)  # the model: its training and everything that runs
FEATURES = ("fraudcore.features",)  # the feature matrix: the feature code


def source_of(module: str) -> Path | None:
    """The file of a first-party module (a package's ``__init__.py``), None if there is none."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not _type_checking(child))


def imported_by(module: str, path: Path) -> set[str]:
    """Modules this file imports (absolute names, with their parent packages)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in _imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        names.add(base)
        names.update(f"{base}.{alias.name}" for alias in node.names)  # modules among them
    return {
        ".".join(name.split(".")[:depth])
        for name in names
        for depth in range(1, name.count(".") + 2)
    }


def module_closure(roots: Iterable[str]) -> dict[str, Path]:
    """Module name -> source file, for ``roots`` and every first-party module they import."""
    found: dict[str, Path] = {}
    pending = list(roots)
    while pending:
        module = pending.pop()
        if module in found or module.split(".")[0] not in FIRST_PARTY:
            continue
        path = source_of(module)
        if path is None:
            continue  # a name imported from a module, not a module of its own
        found[module] = path
        pending.extend(imported_by(module, path) - found.keys())
    return dict(sorted(found.items()))


def module_digests(roots: Iterable[str]) -> dict[str, str]:
    return {
        module: hashlib.sha256(path.read_bytes()).hexdigest()
        for module, path in module_closure(roots).items()
    }


def code_digest(roots: Iterable[str]) -> str:
    """One SHA-256 over every module of the closure, by name."""
    digest = hashlib.sha256()
    for module, sha in module_digests(roots).items():
        digest.update(f"{module} {sha}\n".encode())
    return digest.hexdigest()
