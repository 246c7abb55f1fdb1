"""Which code determines a result: some modules and every first-party module they import, read
from the source (imports inside functions count, imports only for type checking do not), with
the packages containing them (Python runs each package's ``__init__`` on the way in).

A module's digest is over its syntax tree without docstrings, so a comment, a docstring or a
reformatting changes nothing, and any change to what runs does. The model card records the
training code's, and computed feature state (the training matrix, a warm start) is cached under
the feature code's, so a change anywhere in what they run (``fraudcore.geo`` behind the
features, say) shows: a test compares the committed card with the code.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from collections.abc import Iterable, Iterator
from pathlib import Path

FEATURES = ("fraudcore.features",)  # what computes features, from training to serving


def first_party(module: str) -> bool:
    top = module.partition(".")[0]
    return top == "fraudcore" or top.startswith("fraud_")


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
        if module in found or not first_party(module):
            continue
        path = source_of(module)
        if path is None:
            continue  # a name imported from a module, not a module of its own
        found[module] = path
        pending.extend(imported_by(module, path) - found.keys())
    return dict(sorted(found.items()))


def _without_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def source_digest(path: Path) -> str:
    """SHA-256 of what a module runs: its syntax tree without docstrings, comments or layout."""
    tree = _without_docstrings(ast.parse(path.read_text(), str(path)))
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()


def module_digests(roots: Iterable[str]) -> dict[str, str]:
    return {module: source_digest(path) for module, path in module_closure(roots).items()}


def code_digest(roots: Iterable[str]) -> str:
    """One SHA-256 over every module of the closure, by name."""
    digest = hashlib.sha256()
    for module, sha in module_digests(roots).items():
        digest.update(f"{module} {sha}\n".encode())
    return digest.hexdigest()
