"""The syntax tree of a rule: each node knows where it starts in the text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Number:
    value: float
    offset: int


@dataclass(frozen=True)
class Text:
    value: str
    offset: int


@dataclass(frozen=True)
class Truth:
    value: bool
    offset: int


@dataclass(frozen=True)
class Name:
    name: str
    offset: int


@dataclass(frozen=True)
class Items:
    """A literal list: ``[1, 2]`` or ``['FR', 'DE']``."""

    items: tuple[Number | Text, ...]
    offset: int


@dataclass(frozen=True)
class Call:
    function: str
    arguments: tuple[Node, ...]
    offset: int


@dataclass(frozen=True)
class Unary:
    operator: str  # "-" or "not"
    operand: Node
    offset: int


@dataclass(frozen=True)
class Logic:
    """``a and b and c`` (or ``or``): kept flat, so a long chain is one level, not a deep tree."""

    operator: str
    operands: tuple[Node, ...]
    offset: int


@dataclass(frozen=True)
class Binary:
    operator: str  # + - * / < <= > >= == != in
    left: Node
    right: Node
    offset: int  # the operator's, where a type error points


Node = Number | Text | Truth | Name | Items | Call | Unary | Logic | Binary
