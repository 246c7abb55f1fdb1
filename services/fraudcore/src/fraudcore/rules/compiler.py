"""Type-checks a rule's syntax tree against the vocabulary and compiles it, once, into closures
over whole columns (numpy): evaluating a rule on a batch costs a handful of vector operations.
Constant parts are folded at compile time.

A condition compiles to two closures, where it is surely true and where it is surely false
(three-valued logic, ``fraudcore.rules.operations``): a rule runs only the first, and the second
runs only beneath a ``not`` or a ``missing()``, so most rules cost one operation per comparison
and one per ``and``."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

from fraudcore.rules import operations as op
from fraudcore.rules.batch import EMPTY, Batch
from fraudcore.rules.errors import RuleError
from fraudcore.rules.parser import COMPARISONS, parse
from fraudcore.rules.syntax import (
    Binary,
    Call,
    Items,
    Logic,
    Name,
    Node,
    Number,
    Text,
    Truth,
    Unary,
)
from fraudcore.rules.vocabulary import LIST_FIELD, SERVED, Type, Vocabulary

Run = Callable[[Batch], Any]
NUMERIC = (Type.NUMBER, Type.FLAG)
FUNCTIONS = ("missing", "abs")


@dataclass(frozen=True)
class Compiled:
    type: Type
    run: Run  # the value; of a condition: where it is surely true
    constant: bool = False
    false: Run = lambda _: False  # of a condition: where it is surely false


def compile_condition(source: str, vocabulary: Vocabulary = SERVED) -> Callable[[Batch], Any]:
    """A rule's text to a function from a batch to the bool mask of where it fires."""
    return Tree.of(source, vocabulary).mask()


@dataclass(frozen=True)
class Tree:
    """A rule's syntax tree with the compiler that typed it: what a rule set compiles as a whole
    (``fraudcore.rules.program``), asking the compiler for any part's type, constant or run."""

    node: Node
    compiler: Compiler

    @classmethod
    def of(cls, source: str, vocabulary: Vocabulary = SERVED) -> Tree:
        """Parsed and type-checked (a RuleError otherwise)."""
        tree = cls(parse(source), Compiler(source, vocabulary))
        tree.compiler.condition(tree.node)
        return tree

    def mask(self) -> Callable[[Batch], Any]:
        run = self.compiler.condition(self.node).run
        return lambda batch: op.mask(run(batch), batch.size)


def _constant(type_: Type, value: Any) -> Compiled:
    return Compiled(type_, lambda _: value, constant=True)


def _truth(true: Any, false: Any) -> Compiled:
    return Compiled(Type.BOOL, lambda _: true, constant=True, false=lambda _: false)


def _folded(compiled: Compiled, *parts: Compiled) -> Compiled:
    """Computed now when every part is a constant (a constant never reads the batch)."""
    if all(part.constant for part in parts):
        if compiled.type is Type.BOOL:
            return _truth(compiled.run(EMPTY), compiled.false(EMPTY))
        return _constant(compiled.type, compiled.run(EMPTY))
    return compiled


_KEYS: dict[Hashable, int] = {}  # a subexpression's shape -> its number in every batch's memo


def key_of(node: Any) -> Any:
    """What a node computes, whatever its place in the text: equal for equal subexpressions."""
    if isinstance(node, tuple):
        return tuple(key_of(item) for item in node)
    if not is_dataclass(node):
        return node
    parts = (key_of(getattr(node, f.name)) for f in fields(node) if f.name != "offset")
    return (type(node).__name__, *parts)


def _memo(run: Run, key: Hashable) -> Run:
    number = _KEYS.setdefault(key, len(_KEYS))

    def shared(batch: Batch) -> Any:
        memo = batch.memo
        if number not in memo:
            memo[number] = run(batch)
        return memo[number]

    return shared


def _shared(compiled: Compiled, key: Hashable) -> Compiled:
    """Computed once per batch however many rules hold the same subexpression (rules of a set
    share flags, list lookups and thresholds)."""
    if compiled.constant:
        return compiled
    false = _memo(compiled.false, ("false", key)) if compiled.type is Type.BOOL else compiled.false
    return Compiled(compiled.type, _memo(compiled.run, key), False, false)


def _condition(true: Run, false: Run, *parts: Compiled) -> Compiled:
    return _folded(Compiled(Type.BOOL, true, false=false), *parts)


def _sides(sides: op.Sides, left: Compiled, right: Compiled) -> Compiled:
    """A comparison's two sides over its operands (a constant operand read once, now)."""
    true, false = sides
    a, b = left.run, right.run
    if right.constant:
        value = b(EMPTY)
        return _condition(lambda x: true(a(x), value), lambda x: false(a(x), value), left, right)
    return _condition(lambda x: true(a(x), b(x)), lambda x: false(a(x), b(x)), left, right)


class Compiler:
    def __init__(self, source: str, vocabulary: Vocabulary) -> None:
        self.source = source
        self.vocabulary = vocabulary
        self._done: dict[int, Compiled] = {}  # id(node) -> compiled: a part is compiled once

    def error(self, message: str, node: Node) -> RuleError:
        return RuleError(message, self.source, node.offset)

    def condition(self, node: Node) -> Compiled:
        """A node used as a condition: a flag reads as one; anything else is an error."""
        compiled = self.compile(node)
        if compiled.type is Type.FLAG:
            run = compiled.run
            flag = _condition(
                lambda x: op.flag_true(run(x)), lambda x: op.flag_false(run(x)), compiled
            )
            return _shared(flag, ("flag", id(self.vocabulary), key_of(node)))
        if compiled.type is not Type.BOOL:
            raise self.error(f"expected a condition, found {compiled.type.value}", node)
        return compiled

    def number(self, node: Node) -> Compiled:
        compiled = self.compile(node)
        if compiled.type not in NUMERIC:
            raise self.error(f"expected a number, found {compiled.type.value}", node)
        return compiled

    def compile(self, node: Node) -> Compiled:
        done = self._done.get(id(node))
        if done is None:
            done = self._done[id(node)] = self._compile(node)
        return done

    def _compile(self, node: Node) -> Compiled:
        if isinstance(node, Number):
            return _constant(Type.NUMBER, node.value)
        if isinstance(node, Text):
            return _constant(Type.TEXT, (node.value, True))
        if isinstance(node, Truth):
            return _truth(node.value, not node.value)
        compilers: dict[type, Callable[[Any], Compiled]] = {
            Name: self.name,
            Items: self.items,
            Call: self.call,
            Unary: self.unary,
            Logic: self.logic,
            Binary: self.binary,
        }
        compiled = compilers[type(node)](node)
        if isinstance(node, Name | Items):
            return compiled
        return _shared(compiled, (id(self.vocabulary), key_of(node)))

    def name(self, node: Name) -> Compiled:
        name, words = node.name, self.vocabulary
        if name in words.features:
            return Compiled(words.features[name], lambda batch: batch.feature(name))
        if name in words.fields and words.fields[name] is Type.TEXT:
            return Compiled(Type.TEXT, lambda batch: batch.text(name))
        if name in words.fields:
            return Compiled(Type.NUMBER, lambda batch: batch.number(name))
        if name in words.lists:
            return Compiled(Type.TEXTS, lambda batch: batch.members(name))
        close = difflib.get_close_matches(name, words.names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise self.error(f"unknown name {name!r}{hint}", node)

    def items(self, node: Items) -> Compiled:
        if all(isinstance(item, Number) for item in node.items):
            values = np.asarray([item.value for item in node.items], dtype=np.float32)
            return _constant(Type.NUMBERS, values)
        if all(isinstance(item, Text) for item in node.items):
            return _constant(Type.TEXTS, frozenset(str(item.value) for item in node.items))
        raise self.error("a list holds numbers or text, not both", node)

    def call(self, node: Call) -> Compiled:
        if node.function not in FUNCTIONS:
            raise self.error(f"unknown function {node.function!r}: there are {FUNCTIONS}", node)
        if len(node.arguments) != 1:
            raise self.error(f"{node.function}() takes one argument", node)
        if node.function == "abs":
            x = self.number(node.arguments[0])
            return _folded(Compiled(Type.NUMBER, _map(op.absolute, x.run)), x)
        x = self.compile(node.arguments[0])
        if x.type in (Type.NUMBERS, Type.TEXTS):
            raise self.error("missing() takes a value, not a list", node.arguments[0])
        run, false = x.run, x.false
        if x.type is Type.TEXT:
            return _condition(_map(op.text_absent, run), _map(op.text_present, run), x)
        if x.type is Type.BOOL:
            return _condition(
                lambda b: op.undecided(run(b), false(b)), lambda b: op.decided(run(b), false(b)), x
            )
        return _condition(_map(op.is_nan, run), lambda b: np.logical_not(op.is_nan(run(b))), x)

    def unary(self, node: Unary) -> Compiled:
        if node.operator == "not":
            x = self.condition(node.operand)
            return _condition(x.false, x.run, x)
        x = self.number(node.operand)
        return _folded(Compiled(Type.NUMBER, _map(op.negative, x.run)), x)

    def logic(self, node: Logic) -> Compiled:
        parts = [self.condition(operand) for operand in node.operands]
        trues, falses = [part.run for part in parts], [part.false for part in parts]
        # and: true where every part is, false where one is; or: the other way round.
        true, false = (op.all_of, op.any_of) if node.operator == "and" else (op.any_of, op.all_of)
        return _condition(
            lambda b: true([run(b) for run in trues]),
            lambda b: false([run(b) for run in falses]),
            *parts,
        )

    def binary(self, node: Binary) -> Compiled:
        if node.operator == "in":
            return self.membership(node)
        left, right = self.compile(node.left), self.compile(node.right)
        if node.operator in COMPARISONS and left.type is Type.TEXT is right.type:
            if node.operator not in ("==", "!="):
                raise self.error("text compares only with == and !=", node)
            return _sides(op.TEXT_COMPARISONS[node.operator], left, right)
        for side, compiled in ((node.left, left), (node.right, right)):
            if compiled.type not in NUMERIC:
                found = compiled.type.value
                raise self.error(f"{node.operator} needs numbers, found {found}", side)
        if node.operator in COMPARISONS:
            return _sides(op.NUMBER_COMPARISONS[node.operator], left, right)
        run, a, b = op.ARITHMETIC[node.operator], left.run, right.run
        return _folded(Compiled(Type.NUMBER, lambda batch: run(a(batch), b(batch))), left, right)

    def membership(self, node: Binary) -> Compiled:
        left, right = self.compile(node.left), self.compile(node.right)
        if left.type is Type.TEXT and right.type is Type.TEXTS:
            self.check_list_kind(node)
            if isinstance(node.left, Name) and isinstance(node.right, Name) and not left.constant:
                return self.listed(node.left.name, node.right.name, left)
            return _sides((op.text_in, op.text_not_in), left, right)
        if left.type in NUMERIC and right.type is Type.NUMBERS:
            return _sides((op.number_in, op.number_not_in), left, right)
        found = f"{left.type.value} in {right.type.value}"
        raise self.error(f"'in' takes text in a list of text or a number in numbers: {found}", node)

    @staticmethod
    def listed(field: str, name: str, left: Compiled) -> Compiled:
        """``card_id in blocked_cards``: the batch's membership mask, shared by every rule."""
        present = left.run
        return _condition(
            lambda b: b.member(field, name),
            lambda b: np.logical_and(np.logical_not(b.member(field, name)), present(b)[1]),
            left,  # reads the batch: never folded
        )

    def check_list_kind(self, node: Binary) -> None:
        """``merchant_id in blocked_cards`` is a mix-up, not a rule that never fires."""
        if not (isinstance(node.left, Name) and isinstance(node.right, Name)):
            return
        kind = self.vocabulary.lists.get(node.right.name)
        expected = LIST_FIELD.get(kind) if kind is not None else None
        if (
            expected is not None
            and node.left.name in LIST_FIELD.values()
            and expected != (node.left.name)
        ):
            message = f"{node.right.name} holds {kind}s: compare {expected}, not {node.left.name}"
            raise self.error(message, node.left)


def _map(function: Callable[[Any], Any], run: Run) -> Run:
    return lambda batch: function(run(batch))
