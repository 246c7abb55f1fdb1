"""What a rule reads: the features, payment fields and lists its text names, so a backtest reads
those columns of the decision log and no others."""

from __future__ import annotations

from dataclasses import dataclass

from fraudcore.rules.parser import parse
from fraudcore.rules.syntax import Binary, Call, Logic, Name, Node, Unary
from fraudcore.rules.vocabulary import SERVED, Type, Vocabulary


@dataclass(frozen=True)
class Reads:
    features: frozenset[str]
    texts: frozenset[str]  # payment fields of text
    numbers: frozenset[str]  # payment fields of numbers
    lists: frozenset[str]

    def __or__(self, other: Reads) -> Reads:
        return Reads(
            self.features | other.features,
            self.texts | other.texts,
            self.numbers | other.numbers,
            self.lists | other.lists,
        )

    @property
    def fields(self) -> frozenset[str]:
        return self.texts | self.numbers


NOTHING = Reads(frozenset(), frozenset(), frozenset(), frozenset())


def _names(root: Node) -> set[str]:
    names: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, Name):
            names.add(node.name)
        elif isinstance(node, Logic):
            stack.extend(node.operands)
        elif isinstance(node, Binary):
            stack.extend((node.left, node.right))
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Call):
            stack.extend(node.arguments)
    return names


def reads(source: str, vocabulary: Vocabulary = SERVED) -> Reads:
    """The names ``source`` reads, by kind (a name the vocabulary lacks is left out: compiling
    the rule refuses it with a pointed message)."""
    names = _names(parse(source))
    fields = {n: vocabulary.fields[n] for n in names if n in vocabulary.fields}
    return Reads(
        frozenset(n for n in names if n in vocabulary.features),
        frozenset(n for n, kind in fields.items() if kind is Type.TEXT),
        frozenset(n for n, kind in fields.items() if kind is not Type.TEXT),
        frozenset(n for n in names if n in vocabulary.lists),
    )
