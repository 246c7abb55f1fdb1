"""A rule evaluated one payment at a time with Python's own operators on numpy scalars: for the
small batches a consumer sees at moderate rates, where each numpy call of the set's program
costs more than a whole payment's evaluation here (a float32 scalar compares in tens of
nanoseconds, a ufunc on a one-payment column in about a microsecond).

The same language as ``fraudcore.rules.compiler``, read the same way: a condition is a pair of
functions (where it is surely true, where surely false), values are the columns' own numpy
scalars and the compiler's folded constants, so numpy promotes and compares them exactly as it
does whole columns (NEP 50: a Python number takes the column's dtype). ``and``/``or`` stop at
the first part that decides them, which costs nothing: the parts cannot raise. A subexpression
that several rules of a set hold (a list lookup, arithmetic, a whole condition), when dearer
than the lookup that shares it, is computed once per payment (``fires_all``). A test holds this
module to the set's program and to the rules one at a time on random rules and batches.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from fraudcore.features.definitions import FEATURE_NAMES
from fraudcore.rules import operations as op
from fraudcore.rules.batch import EMPTY, Batch
from fraudcore.rules.compiler import Compiler, Tree, key_of
from fraudcore.rules.syntax import Binary, Call, Logic, Name, Node, Unary
from fraudcore.rules.vocabulary import Type


class Row:
    """One payment of a batch over the model's feature matrix (``Batch.of_rows``): its features
    as the matrix's numpy scalars by position, its fields read on first use."""

    __slots__ = ("batch", "features", "index", "memo")

    def __init__(self, batch: Batch, index: int, features: Any) -> None:
        self.batch, self.index, self.features = batch, index, features
        self.memo: dict[int, Any] = {}  # shared subexpressions computed for this payment

    def number(self, name: str) -> Any:
        return self.batch.number(name)[self.index]

    def text(self, name: str) -> str | None:
        return self.batch.texts(name)[self.index]

    def members(self, name: str) -> frozenset[str]:
        return self.batch.members(name)


Value = Callable[[Row], Any]
Test = Callable[[Row], bool]
Sides = tuple[Test, Test]  # where surely true, where surely false
_SLOTS: dict[Hashable, int] = {}  # a shared subexpression's place in a row's memo


def _once(compute: Callable[[Row], Any], key: Hashable) -> Callable[[Row], Any]:
    slot = _SLOTS.setdefault(key, len(_SLOTS))

    def shared(r: Row) -> Any:
        memo = r.memo
        if slot in memo:
            return memo[slot]
        value = memo[slot] = compute(r)
        return value

    return shared


def _known(x: Any) -> bool:
    return bool(x == x)  # noqa: PLR0124 -- False for NaN only, and cheaper than isnan


def _unequal(a: Any, b: Any) -> bool:
    return bool(a != b) and _known(a) and _known(b)


# (surely true, surely false) of each comparison, as ``operations.NUMBER_COMPARISONS``.
NUMBER_SIDES: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "<": (operator.lt, operator.ge),
    "<=": (operator.le, operator.gt),
    ">": (operator.gt, operator.le),
    ">=": (operator.ge, operator.lt),
    "==": (operator.eq, _unequal),
    "!=": (_unequal, operator.eq),
}


def _texts_equal(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a == b


def _texts_unequal(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


TEXT_SIDES = {"==": (_texts_equal, _texts_unequal), "!=": (_texts_unequal, _texts_equal)}


def _first(tests: tuple[Test, ...], decisive: bool) -> Test:
    """The first part that is ``decisive`` decides, else the other value: ``or`` is decided by
    a true part (decisive True), ``and`` by a false one."""
    if len(tests) == 2:
        a, b = tests
        return (lambda r: a(r) or b(r)) if decisive else (lambda r: a(r) and b(r))

    def first(r: Row) -> bool:
        for test in tests:
            if bool(test(r)) is decisive:
                return decisive
        return not decisive

    return first


class ScalarCompiler:
    """A type-checked tree (``compiler.Tree``) to functions of one payment; constants as the
    tree's compiler folded them."""

    def __init__(self, compiler: Compiler, shared: frozenset[Hashable] = frozenset()) -> None:
        self.compiler = compiler
        self.shared = shared  # keys of the subexpressions computed once per payment

    def fires(self, node: Node) -> Test:
        return self.condition(node)[0]

    def condition(self, node: Node) -> Sides:
        true, false = self._condition(node)
        if self.shared and not self._cheap(node) and (key := key_of(node)) in self.shared:
            return _once(true, ("true", key)), _once(false, ("false", key))
        return true, false

    def _cheap(self, node: Node) -> bool:
        """Read as fast as it would be looked up: a flag, a feature against a constant, a
        constant, or ``not`` of one."""
        if isinstance(node, Unary) and node.operator == "not":
            return self._cheap(node.operand)
        if isinstance(node, Name) or self.compiler.compile(node).constant:
            return True
        return (
            isinstance(node, Binary)
            and node.operator != "in"
            and isinstance(node.left, Name)
            and node.left.name in self.compiler.vocabulary.features
            and self.compiler.compile(node.right).constant
        )

    def _condition(self, node: Node) -> Sides:
        compiled = self.compiler.condition(node)
        if compiled.constant:
            surely, surely_not = bool(compiled.run(EMPTY)), bool(compiled.false(EMPTY))
            return (lambda _: surely), (lambda _: surely_not)
        if self.compiler.compile(node).type is Type.FLAG:
            x = self.value(node)
            return (lambda r: x(r) == 1.0), (lambda r: _unequal(x(r), 1.0))
        if isinstance(node, Logic):
            return self.logic(node)
        if isinstance(node, Unary):  # not: the type checker let only a condition through
            true, false = self.condition(node.operand)
            return false, true
        if isinstance(node, Call):  # missing(x)
            return self.missing(node.arguments[0])
        if isinstance(node, Binary):
            return (self.membership if node.operator == "in" else self.comparison)(node)
        raise TypeError(f"not a condition here: {type(node).__name__}")

    def logic(self, node: Logic) -> Sides:
        """and: true where every part is, false where one is; or: the other way round."""
        parts = [self.condition(part) for part in node.operands]
        trues, falses = tuple(p[0] for p in parts), tuple(p[1] for p in parts)
        if node.operator == "and":
            return _first(trues, False), _first(falses, True)
        return _first(trues, True), _first(falses, False)

    def value(self, node: Node) -> Value:
        value = self._value(node)
        if self.shared and isinstance(node, Unary | Call | Binary):
            key = key_of(node)
            if key in self.shared and not self.compiler.compile(node).constant:
                return _once(value, ("value", key))
        return value

    def _value(self, node: Node) -> Value:
        compiled = self.compiler.compile(node)
        if compiled.constant:
            constant = compiled.run(EMPTY)
            if compiled.type is Type.TEXT:  # (text, known), as the compiler keeps it
                constant = constant[0] if constant[1] else None
            elif compiled.type is Type.NUMBERS:  # each item as the column compares it
                constant = tuple(constant)
            return lambda _: constant
        if isinstance(node, Name):
            return self.name(node.name, compiled.type)
        if isinstance(node, Unary):  # unary minus
            x = self.value(node.operand)
            return lambda r: op.negative(x(r))
        if isinstance(node, Call):  # abs(x)
            x = self.value(node.arguments[0])
            return lambda r: op.absolute(x(r))
        if isinstance(node, Binary) and node.operator in op.ARITHMETIC:
            # The operations take scalars as they take columns (a division by zero: missing).
            run, a, b = op.ARITHMETIC[node.operator], self.value(node.left), self.value(node.right)
            return lambda r: run(a(r), b(r))
        raise TypeError(f"not a value here: {type(node).__name__}")

    def name(self, name: str, kind: Type) -> Value:
        words = self.compiler.vocabulary
        if name in words.features:
            at = FEATURE_NAMES.index(name)
            return lambda r: r.features[at]
        if name in words.lists:
            return lambda r: r.members(name)
        if kind is Type.TEXT:
            return lambda r: r.text(name)
        return lambda r: r.number(name)

    def comparison(self, node: Binary) -> Sides:
        text = self.compiler.compile(node.left).type is Type.TEXT
        true, false = (TEXT_SIDES if text else NUMBER_SIDES)[node.operator]
        right = self.compiler.compile(node.right)
        if (
            isinstance(node.left, Name)
            and node.left.name in self.compiler.vocabulary.features
            and right.constant
        ):  # the commonest shape, a feature against a threshold
            at, c = FEATURE_NAMES.index(node.left.name), right.run(EMPTY)
            return (lambda r: true(r.features[at], c)), (lambda r: false(r.features[at], c))
        a, b = self.value(node.left), self.value(node.right)
        return (lambda r: true(a(r), b(r))), (lambda r: false(a(r), b(r)))

    def membership(self, node: Binary) -> Sides:
        a, items = self.value(node.left), self.value(node.right)
        if self.compiler.compile(node.left).type is Type.TEXT:
            # A text in a list or constant set: None is in none; "not in" needs it known.
            return (lambda r: a(r) in items(r)), (
                lambda r: (x := a(r)) is not None and x not in items(r)
            )

        def among(r: Row) -> bool:
            x = a(r)
            return any(x == item for item in items(r))

        return among, lambda r: not among(r) and _known(a(r))

    def missing(self, node: Node) -> Sides:
        kind = self.compiler.compile(node).type
        if kind is Type.BOOL:
            true, false = self.condition(node)
            return (lambda r: not (true(r) or false(r))), (lambda r: true(r) or false(r))
        x = self.value(node)
        if kind is Type.TEXT:
            return (lambda r: x(r) is None), (lambda r: x(r) is not None)
        return (lambda r: not _known(x(r))), (lambda r: _known(x(r)))


def fires(tree: Tree) -> Test:
    """Whether the rule surely fires on one payment."""
    return ScalarCompiler(tree.compiler).fires(tree.node)


def fires_all(trees: Sequence[Tree]) -> tuple[Test, ...]:
    """``fires`` of each rule of a set, the subexpressions several of them hold computed once
    per payment (a ``Row`` of its own for each payment)."""
    held = Counter(key for tree in trees for key in set(_subexpressions(tree.node)))
    shared = frozenset(key for key, rules in held.items() if rules > 1)
    return tuple(ScalarCompiler(tree.compiler, shared).fires(tree.node) for tree in trees)


def _subexpressions(node: Any) -> Iterable[Hashable]:
    if isinstance(node, tuple):
        for item in node:
            yield from _subexpressions(item)
    elif is_dataclass(node):
        yield key_of(node)
        for part in fields(node):
            yield from _subexpressions(getattr(node, part.name))
