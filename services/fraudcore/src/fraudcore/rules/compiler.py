"""Type-checks a rule's syntax tree against the vocabulary and compiles it, once, into closures
over whole columns (numpy): evaluating a rule on a batch costs a handful of vector operations.
Constant parts are folded at compile time."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
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
    run: Run
    constant: bool = False


def compile_condition(source: str, vocabulary: Vocabulary = SERVED) -> Callable[[Batch], Any]:
    """A rule's text to a function from a batch to the bool mask of where it fires."""
    compiled = _Compiler(source, vocabulary).condition(parse(source))
    run = compiled.run
    return lambda batch: op.mask(run(batch), batch.size)


def _constant(type_: Type, value: Any) -> Compiled:
    return Compiled(type_, lambda _: value, constant=True)


def _folded(compiled: Compiled, *parts: Compiled) -> Compiled:
    """Computed now when every part is a constant (a constant never reads the batch)."""
    if all(part.constant for part in parts):
        return _constant(compiled.type, compiled.run(EMPTY))
    return compiled


class _Compiler:
    def __init__(self, source: str, vocabulary: Vocabulary) -> None:
        self.source = source
        self.vocabulary = vocabulary

    def error(self, message: str, node: Node) -> RuleError:
        return RuleError(message, self.source, node.offset)

    def condition(self, node: Node) -> Compiled:
        """A node used as a condition: a flag reads as one; anything else is an error."""
        compiled = self.compile(node)
        if compiled.type is Type.FLAG:
            return _folded(Compiled(Type.BOOL, _flag(compiled.run)), compiled)
        if compiled.type is not Type.BOOL:
            raise self.error(f"expected a condition, found {compiled.type.value}", node)
        return compiled

    def number(self, node: Node) -> Compiled:
        compiled = self.compile(node)
        if compiled.type not in NUMERIC:
            raise self.error(f"expected a number, found {compiled.type.value}", node)
        return compiled

    def compile(self, node: Node) -> Compiled:
        if isinstance(node, Number):
            return _constant(Type.NUMBER, node.value)
        if isinstance(node, Text):
            return _constant(Type.TEXT, (node.value, True))
        if isinstance(node, Truth):
            return _constant(Type.BOOL, (node.value, not node.value))
        compilers: dict[type, Callable[[Any], Compiled]] = {
            Name: self.name,
            Items: self.items,
            Call: self.call,
            Unary: self.unary,
            Logic: self.logic,
            Binary: self.binary,
        }
        return compilers[type(node)](node)

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
        missing = {Type.TEXT: op.is_missing_text, Type.BOOL: op.is_missing_condition}.get(
            x.type, op.is_missing_number
        )
        if x.type in (Type.NUMBERS, Type.TEXTS):
            raise self.error("missing() takes a value, not a list", node.arguments[0])
        return _folded(Compiled(Type.BOOL, _map(missing, x.run)), x)

    def unary(self, node: Unary) -> Compiled:
        if node.operator == "not":
            x = self.condition(node.operand)
            return _folded(Compiled(Type.BOOL, _map(op.negate, x.run)), x)
        x = self.number(node.operand)
        return _folded(Compiled(Type.NUMBER, _map(op.negative, x.run)), x)

    def logic(self, node: Logic) -> Compiled:
        parts = [self.condition(operand) for operand in node.operands]
        runs = [part.run for part in parts]
        combine = op.conjunction if node.operator == "and" else op.disjunction
        compiled = Compiled(Type.BOOL, lambda batch: combine([run(batch) for run in runs]))
        return _folded(compiled, *parts)

    def binary(self, node: Binary) -> Compiled:
        if node.operator == "in":
            return self.membership(node)
        left, right = self.compile(node.left), self.compile(node.right)
        if node.operator in COMPARISONS and left.type is Type.TEXT is right.type:
            if node.operator not in ("==", "!="):
                raise self.error("text compares only with == and !=", node)
            return _folded(_pair(op.compare_texts, node.operator, left, right), left, right)
        for side, compiled in ((node.left, left), (node.right, right)):
            if compiled.type not in NUMERIC:
                found = compiled.type.value
                raise self.error(f"{node.operator} needs numbers, found {found}", side)
        if node.operator in COMPARISONS:
            return _folded(_pair(op.compare_numbers, node.operator, left, right), left, right)
        run, a, b = op.ARITHMETIC[node.operator], left.run, right.run
        return _folded(Compiled(Type.NUMBER, lambda batch: run(a(batch), b(batch))), left, right)

    def membership(self, node: Binary) -> Compiled:
        left, right = self.compile(node.left), self.compile(node.right)
        if left.type is Type.TEXT and right.type is Type.TEXTS:
            self.check_list_kind(node)
            return _folded(_both(op.text_in, left, right), left, right)
        if left.type in NUMERIC and right.type is Type.NUMBERS:
            return _folded(_both(op.number_in, left, right), left, right)
        found = f"{left.type.value} in {right.type.value}"
        raise self.error(f"'in' takes text in a list of text or a number in numbers: {found}", node)

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


def _flag(run: Run) -> Run:
    return lambda batch: op.flag(run(batch))


def _both(function: Callable[[Any, Any], Any], left: Compiled, right: Compiled) -> Compiled:
    a, b = left.run, right.run
    return Compiled(Type.BOOL, lambda batch: function(a(batch), b(batch)))


def _pair(
    function: Callable[[str, Any, Any], Any], symbol: str, left: Compiled, right: Compiled
) -> Compiled:
    a, b = left.run, right.run
    return Compiled(Type.BOOL, lambda batch: function(symbol, a(batch), b(batch)))
