"""A recursive-descent parser for the rule language (grammar in fraudcore.rules' docstring)."""

from __future__ import annotations

from fraudcore.rules.errors import RuleError
from fraudcore.rules.lexer import Kind, Token, tokenize, unquote
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

MAX_LENGTH = 4_000  # characters; a rule is a sentence, not a program
MAX_DEPTH = 40  # nesting; keeps parsing and evaluation far from Python's recursion limit
COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})


def parse(source: str) -> Node:
    """The syntax tree of one rule, or a RuleError pointing at the first thing that is wrong."""
    if len(source) > MAX_LENGTH:
        raise RuleError(f"a rule has at most {MAX_LENGTH} characters", source, MAX_LENGTH)
    node = _Parser(source).rule()
    deepest = _deepest(node)
    if deepest is not None:
        raise RuleError(f"nested deeper than {MAX_DEPTH} levels", source, deepest.offset)
    return node


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Logic):
        return node.operands
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    return node.arguments if isinstance(node, Call) else ()


def _deepest(root: Node) -> Node | None:
    """A node deeper than MAX_DEPTH, if any (walked with a stack: a long sum is no recursion)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        stack.extend((child, depth + 1) for child in _children(node))
    return None


def _at(nodes: list[Node]) -> int:
    return nodes[0].offset


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.at = 0
        self.depth = 0

    def rule(self) -> Node:
        if self.peek().kind is Kind.END:
            raise self.error("the rule is empty", self.peek())
        node = self.disjunction()
        if self.peek().kind is not Kind.END:
            raise self.error(f"unexpected {describe(self.peek())} after a complete rule")
        return node

    def peek(self) -> Token:
        return self.tokens[self.at]

    def is_next(self, *texts: str) -> bool:
        token = self.peek()
        return token.kind in (Kind.OPERATOR, Kind.KEYWORD) and token.text in texts

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str, what: str) -> Token:
        if not self.is_next(text):
            raise self.error(f"expected {what}, found {describe(self.peek())}")
        return self.take()

    def error(self, message: str, token: Token | None = None) -> RuleError:
        return RuleError(message, self.source, (token or self.peek()).offset)

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested deeper than {MAX_DEPTH} levels")

    def disjunction(self) -> Node:
        operands = [self.conjunction()]
        while self.is_next("or"):
            self.take()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Logic("or", tuple(operands), _at(operands))

    def conjunction(self) -> Node:
        operands = [self.negation()]
        while self.is_next("and"):
            self.take()
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else Logic("and", tuple(operands), _at(operands))

    def negation(self) -> Node:
        if self.is_next("not"):
            token = self.take()
            self.nested()
            node = Unary("not", self.negation(), token.offset)
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        token = self.peek()
        if self.is_next(*COMPARISONS):
            node: Node = Binary(self.take().text, left, self.sum(), token.offset)
        elif self.is_next("in"):
            self.take()
            node = Binary("in", left, self.container(), token.offset)
        elif self.is_next("not") and self.tokens[self.at + 1].text == "in":
            self.at += 2
            node = Unary("not", Binary("in", left, self.container(), token.offset), token.offset)
        else:
            return left
        if self.is_next(*COMPARISONS, "in"):
            raise self.error("comparisons do not chain: join them with 'and'")
        return node

    def container(self) -> Node:
        token = self.peek()
        if token.kind is Kind.NAME:
            return Name(self.take().text, token.offset)
        self.expect("[", "a list name or a list such as ['FR', 'DE']")
        items: list[Number | Text] = []
        while not self.is_next("]"):
            items.append(self.item())
            if not self.is_next("]"):
                self.expect(",", "',' or ']'")
        self.take()
        if not items:
            raise self.error("a list needs at least one item", token)
        return Items(tuple(items), token.offset)

    def item(self) -> Number | Text:
        token, sign = self.peek(), 1.0
        if self.is_next("-"):
            self.take()
            sign = -1.0
        literal = self.take()
        if literal.kind is Kind.NUMBER:
            return Number(sign * float(literal.text), token.offset)
        if literal.kind is Kind.STRING and sign > 0:
            return Text(unquote(literal.text), token.offset)
        raise self.error(f"a list holds numbers or quoted text, not {describe(literal)}", literal)

    def sum(self) -> Node:
        node = self.product()
        while self.is_next("+", "-"):
            token = self.take()
            node = Binary(token.text, node, self.product(), token.offset)
        return node

    def product(self) -> Node:
        node = self.signed()
        while self.is_next("*", "/"):
            token = self.take()
            node = Binary(token.text, node, self.signed(), token.offset)
        return node

    def signed(self) -> Node:
        if self.is_next("-"):
            token = self.take()
            self.nested()
            node = Unary("-", self.signed(), token.offset)
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.take()
        if token.kind is Kind.NUMBER:
            return Number(float(token.text), token.offset)
        if token.kind is Kind.STRING:
            return Text(unquote(token.text), token.offset)
        if token.kind is Kind.KEYWORD and token.text in ("true", "false"):
            return Truth(token.text == "true", token.offset)
        if token.kind is Kind.NAME:
            return self.call(token) if self.is_next("(") else Name(token.text, token.offset)
        if token.text == "(":
            self.nested()
            node = self.disjunction()
            self.expect(")", "')'")
            self.depth -= 1
            return node
        raise self.error(f"expected a value, found {describe(token)}", token)

    def call(self, name: Token) -> Node:
        self.take()
        self.nested()
        arguments = [self.disjunction()]
        while self.is_next(","):
            self.take()
            arguments.append(self.disjunction())
        self.expect(")", "')' closing the call")
        self.depth -= 1
        return Call(name.text, tuple(arguments), name.offset)


def describe(token: Token) -> str:
    return token.kind.value if token.kind is Kind.END else f"{token.text!r}"
