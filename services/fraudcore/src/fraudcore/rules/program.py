"""A rule set compiled as a whole: every rule's conditions become rows of one rules-by-payments
matrix, so a batch costs about as much with a hundred rules as with ten.

Each rule is compiled on its own first (``fraudcore.rules.compiler``: types, errors, folded
constants, three-valued logic as pairs of masks). Here the rules' trees are then merged into
one graph of rows, one row per distinct (subexpression, side), side being where it is surely
true or surely false:

- every ``feature OP constant`` with the same operator side is one row of a group, computed by
  one numpy call broadcasting the constants against the features they compare (gathered once
  per batch for every side), in the columns' dtype as numpy compares a column with a Python
  number (float32 for features); any other value (a payment's number, arithmetic) compared with
  constants is one such call per value and side;
- every ``text == 'x'``, ``text in ['x', 'y']`` (and their negations) over the same field is one
  row of a group, filled by one pass over the batch's values and one gather from a table;
- ``and``/``or`` rows of one height (and one arity, rounded up) are one gather and one reduce,
  ``not`` swaps sides and costs nothing, equal subexpressions of different rules are one row;
- anything else (``missing()``, lists, arithmetic between columns...) is its rule compiler's own
  closure, computed once per batch however many rules hold it.

The per-rule closures stay the reference: ``CompiledRule.evaluate`` (backtests, ``fires``) and
the fallback when a batch makes the program raise; a test proves both agree on random rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fraudcore.rules import operations as op
from fraudcore.rules.batch import EMPTY, Batch, Mask
from fraudcore.rules.compiler import Compiler, Run, Tree, key_of
from fraudcore.rules.parser import COMPARISONS
from fraudcore.rules.syntax import Binary, Items, Logic, Name, Node, Unary
from fraudcore.rules.vocabulary import Type

# a OP b is b FLIPPED[OP] a: a constant on the left joins the group of its column.
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
# The numpy call of each comparison side of operations.NUMBER_COMPARISONS; unequal is != on
# known values: not_equal, then masked.
UFUNCS: dict[Callable[[Any, Any], Any], Any] = {
    op.less: np.less,
    op.less_equal: np.less_equal,
    op.greater: np.greater,
    op.greater_equal: np.greater_equal,
    op.equal: np.equal,
    op.unequal: np.not_equal,
}
# Text sides: the value is one of the constants (``in``, ``==``), or surely is not (known).
TEXT_SIDES = {
    op.texts_equal: True,
    op.text_in: True,
    op.texts_unequal: False,
    op.text_not_in: False,
}
ALL, ANY = np.logical_and, np.logical_or


class Evaluable(Protocol):
    """A rule as the program needs it (``engine.CompiledRule``)."""

    @property
    def tree(self) -> Tree | None: ...

    def evaluate(self, batch: Batch) -> Mask: ...


class _Group(Protocol):
    rows: slice

    def __len__(self) -> int: ...  # its rows

    def fill(self, batch: Batch, out: Mask) -> None: ...


@dataclass
class _Comparisons:
    """``x OP c`` for many constants c: one broadcast comparison (x: one column, or a matrix of
    one column per constant)."""

    ufunc: Any
    masked: bool  # unequal: both sides known
    constants: list[float] = field(default_factory=list)
    rows: slice = field(default_factory=lambda: slice(0))
    _by_dtype: dict[np.dtype[Any], tuple[Any, Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.constants)

    def compare(self, values: Any, out: Mask) -> None:
        dtype = values.dtype
        if dtype.kind != "f":
            raise TypeError(f"a number column of dtype {dtype}")
        found = self._by_dtype.get(dtype)
        if found is None:  # numpy casts a Python number to the column's dtype: so do we, once
            with np.errstate(all="ignore"):
                constants = np.asarray(self.constants, dtype=np.float64).astype(dtype)[:, None]
            known = ~np.isnan(constants) if np.isnan(constants).any() else None
            found = self._by_dtype[dtype] = constants, known
        constants, known = found
        self.ufunc(values, constants, out=out)
        if self.masked:
            out &= ~np.isnan(values)
            if known is not None:
                out &= known


@dataclass
class _Numbers(_Comparisons):
    """One value (a payment's number, arithmetic...) against every constant."""

    value: Run = field(kw_only=True)

    def fill(self, batch: Batch, out: Mask) -> None:
        self.compare(self.value(batch), out)


@dataclass
class _Features(_Comparisons):
    """Each constant against its own feature: rows of the matrix of every feature the set
    compares with a constant, gathered once per batch for every operator side (``span``)."""

    names: list[str] = field(default_factory=list)
    every: tuple[str, ...] = ()  # the gathered features: every side's names, side after side
    span: slice = field(default_factory=lambda: slice(0))

    def fill(self, batch: Batch, out: Mask) -> None:
        key = ("features", self.every)
        gathered = batch.memo.get(key)
        if gathered is None:
            gathered = batch.memo[key] = batch.features(self.every)
        self.compare(gathered[self.span], out)


@dataclass
class _Texts:
    """``field in {...}`` for many constant sets of text: each value's code (which constant it
    is, another text, or none) in one pass over the batch, then every set's row at once from a
    sets x codes table."""

    name: str  # the payment's text field
    inside: bool  # where the value is in the set; else where it is known and is not
    sets: list[frozenset[str]] = field(default_factory=list)
    rows: slice = field(default_factory=lambda: slice(0))
    _codes: dict[str | None, int] = field(default_factory=lambda: {None: 0})  # 1: another
    _table: Any = None

    def __len__(self) -> int:
        return len(self.sets)

    def add(self, items: frozenset[str]) -> None:
        self.sets.append(items)
        for item in sorted(items):
            self._codes.setdefault(item, len(self._codes) + 1)
        inside = np.zeros((len(self.sets), len(self._codes) + 1), dtype=np.bool_)
        for row, members in enumerate(self.sets):
            inside[row, [self._codes[item] for item in members]] = True
        outside = ~inside
        outside[:, 0] = False  # none: not known to be outside either
        self._table = inside if self.inside else outside

    def fill(self, batch: Batch, out: Mask) -> None:
        get = self._codes.get
        codes = np.array([get(value, 1) for value in batch.texts(self.name)], dtype=np.intp)
        np.take(self._table, codes, axis=1, out=out)


@dataclass(frozen=True)
class _Step:
    """Rows ``rows``, each the and (or the or) of a column of ``parts``: the rows of its parts,
    padded with the rows that change nothing (true for and, false for or)."""

    combine: Any
    parts: Any  # arity x rows
    rows: slice


@dataclass
class _Node:
    kind: str  # "constant", "group", "closure", "all", "any"
    height: int = 0  # and/or: 1 + the highest of its parts
    children: tuple[int, ...] = ()  # and/or: its parts' nodes
    group: _Group | None = None  # group: which, and its row in it
    index: int = 0
    row: int = -1


class Program:
    """Every rule of a set as one evaluation: ``run`` gives rules x payments, in the order the
    rules were given (where each surely fires)."""

    def __init__(self, rules: Sequence[Evaluable]) -> None:
        self._nodes: list[_Node] = []
        self._ids: dict[Hashable, int] = {}
        self._numbers: dict[Hashable, _Numbers] = {}
        self._features: dict[Any, _Features] = {}
        self._texts: dict[Hashable, _Texts] = {}
        self._closures: list[tuple[int, Run]] = []
        self._true, self._false = self._constant(True), self._constant(False)
        roots = [self._root(rule) for rule in rules]
        self._groups: list[_Group] = [
            *self._features.values(),
            *self._numbers.values(),
            *self._texts.values(),
        ]
        self._steps: list[_Step] = []
        self._size = self._layout()
        self._roots = np.array([self._nodes[i].row for i in roots], dtype=np.intp)

    def run(self, batch: Batch) -> Mask:
        """Call inside np.errstate(all="ignore"); may raise where a rule's closure would."""
        rows = np.empty((self._size, batch.size), dtype=np.bool_)
        rows[0], rows[1] = True, False
        for group in self._groups:
            group.fill(batch, rows[group.rows])
        for row, closure in self._closures:
            rows[row] = closure(batch)
        for step in self._steps:  # a gather and a reduce over its leading axis: both fast
            step.combine.reduce(np.take(rows, step.parts, axis=0), axis=0, out=rows[step.rows])
        return np.take(rows, self._roots, axis=0)

    # Building: the rules' trees merged into one graph of nodes, then laid out as rows.
    def _root(self, rule: Evaluable) -> int:
        tree = rule.tree
        if tree is None:  # a rule given as a function: it is its own closure
            return self._closure(("rule", id(rule)), rule.evaluate)
        return self._side(tree.compiler, tree.node, True)

    def _node(self, key: Hashable, make: Callable[[], _Node]) -> int:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self._nodes)
            self._nodes.append(make())
        return found

    def _constant(self, value: bool) -> int:
        return self._node(("constant", value), lambda: _Node("constant"))

    def _closure(self, key: Hashable, run: Run) -> int:
        found = self._ids.get(key)
        if found is None:
            found = self._node(key, lambda: _Node("closure"))
            self._closures.append((found, run))
        return found

    def _side(self, compiler: Compiler, node: Node, true: bool) -> int:
        """The node of where ``node`` is surely true (``true``) or surely false."""
        compiled = compiler.condition(node)
        if compiled.constant:
            return self._constant(bool((compiled.run if true else compiled.false)(EMPTY)))
        if isinstance(node, Logic):
            every = (node.operator == "and") == true  # and: true where all are; false where any
            return self._logic(every, [self._side(compiler, part, true) for part in node.operands])
        if isinstance(node, Unary) and node.operator == "not":
            return self._side(compiler, node.operand, not true)
        vocabulary = id(compiler.vocabulary)
        if isinstance(node, Binary) and node.operator in (*COMPARISONS, "in"):
            grouped = self._compared(compiler, node, true)
            if grouped is not None:
                return grouped
        value = compiler.compile(node)
        if value.type is Type.FLAG:  # a flag as a condition: flag == 1
            side = op.equal if true else op.unequal
            return self._number(compiler, node, value.run, side, 1.0)
        return self._closure(
            (vocabulary, true, key_of(node)), compiled.run if true else compiled.false
        )

    def _compared(self, compiler: Compiler, node: Binary, true: bool) -> int | None:
        """A comparison of a value with a constant, in its group; None for any other."""
        left, right = compiler.compile(node.left), compiler.compile(node.right)
        if left.constant == right.constant:
            return None
        if node.operator == "in":
            if not (right.constant and left.type is Type.TEXT and isinstance(node.right, Items)):
                return None
            among = op.text_in if true else op.text_not_in
            return self._text(node.left, among, right.run(EMPTY))
        operator, value, value_node, constant = (
            (node.operator, left, node.left, right)
            if right.constant
            else (FLIPPED[node.operator], right, node.right, left)
        )
        if value.type is Type.TEXT:
            text = op.TEXT_COMPARISONS[operator][0 if true else 1]
            return self._text(value_node, text, constant.run(EMPTY))
        number = constant.run(EMPTY)
        if type(number) is not float:  # numpy compares a Python float as the column's dtype
            return None
        side = op.NUMBER_COMPARISONS[operator][0 if true else 1]
        return self._number(compiler, value_node, value.run, side, number)

    def _number(
        self, compiler: Compiler, node: Node, value: Run, side: Any, constant: float
    ) -> int:
        """``node OP constant``: a feature joins the comparisons of every feature with that
        operator side; any other value, those of that value."""
        if isinstance(node, Name) and node.name in compiler.vocabulary.features:
            features = self._features.get(side)
            if features is None:
                features = self._features[side] = _Features(UFUNCS[side], side is op.unequal)

            def feature() -> _Node:
                features.constants.append(constant)
                features.names.append(node.name)
                return _Node("group", group=features, index=len(features.constants) - 1)

            key = ("feature", id(compiler.vocabulary), node.name, side, constant)
            return self._node(key, feature)
        value_key = (id(compiler.vocabulary), key_of(node))
        group = self._numbers.get((value_key, side))
        if group is None:
            group = _Numbers(UFUNCS[side], side is op.unequal, value=value)
            self._numbers[(value_key, side)] = group

        def make() -> _Node:
            group.constants.append(constant)
            return _Node("group", group=group, index=len(group.constants) - 1)

        return self._node(("number", value_key, side, constant), make)

    def _text(self, node: Node, side: Any, constant: Any) -> int | None:
        """A payment's text field in constant text (one, or a literal list)."""
        items = frozenset((constant[0],)) if isinstance(constant, tuple) else constant
        if not isinstance(node, Name) or not all(type(item) is str for item in items):
            return None
        inside = TEXT_SIDES[side]
        group = self._texts.get((node.name, inside))
        if group is None:
            group = self._texts[(node.name, inside)] = _Texts(node.name, inside)

        def make() -> _Node:
            group.add(items)
            return _Node("group", group=group, index=len(group.sets) - 1)

        return self._node(("text", node.name, inside, items), make)

    def _logic(self, every: bool, parts: list[int]) -> int:
        absorbing, neutral = (self._false, self._true) if every else (self._true, self._false)
        if absorbing in parts:
            return absorbing
        children = tuple(sorted(set(parts) - {neutral}))
        if not children:
            return neutral
        if len(children) == 1:
            return children[0]
        kind = "all" if every else "any"
        height = 1 + max(self._nodes[child].height for child in children)
        return self._node((kind, children), lambda: _Node(kind, height, children))

    def _layout(self) -> int:
        """Rows: the two constants, each group's rows together, closures, then and/or rows by
        height, so each group and each step writes one slice; how many rows."""
        every = tuple(name for features in self._features.values() for name in features.names)
        start = 0
        for features in self._features.values():
            features.every, features.span = every, slice(start, start + len(features))
            start += len(features)
        row = 2
        for group in self._groups:
            group.rows = slice(row, row + len(group))
            row += len(group)
        for node in self._nodes:
            if node.group is not None:
                node.row = node.group.rows.start + node.index
        self._nodes[self._true].row, self._nodes[self._false].row = 0, 1
        closures = []
        for number, run in self._closures:
            self._nodes[number].row = row
            closures.append((row, run))
            row += 1
        self._closures = closures
        logic = [node for node in self._nodes if node.kind in ("all", "any")]
        logic.sort(key=_step_of)
        for (_, kind, arity), same in itertools.groupby(logic, key=_step_of):
            nodes = list(same)
            neutral = 0 if kind == "all" else 1  # the true row, the false row
            parts = np.full((1 << arity, len(nodes)), neutral, dtype=np.intp)
            for column, node in enumerate(nodes):
                node.row, row = row, row + 1
                parts[: len(node.children), column] = [self._nodes[c].row for c in node.children]
            rows = slice(nodes[0].row, nodes[-1].row + 1)
            self._steps.append(_Step(ALL if kind == "all" else ANY, parts, rows))
        return row


def _step_of(node: _Node) -> tuple[int, str, int]:
    """Which step computes an and/or node: its height, kind, and arity rounded up to a power of
    two (padding at most doubles a step's gather)."""
    return node.height, node.kind, (len(node.children) - 1).bit_length()
