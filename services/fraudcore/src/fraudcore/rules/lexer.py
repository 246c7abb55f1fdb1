"""Tokens of the rule language, each with its offset in the text (for pointed errors)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from fraudcore.rules.errors import RuleError

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
OPERATORS = ("<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",")


class Kind(StrEnum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    END = "end of the rule"


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    offset: int


_SPACE = re.compile(r"(?:\s+|#[^\n]*)+")
_DIGITS = r"[0-9](?:_?[0-9])*"
_NUMBER = re.compile(rf"(?:{_DIGITS}(?:\.{_DIGITS})?|\.{_DIGITS})(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING = re.compile(r"'([^'\\\n]|\\.)*'|\"([^\"\\\n]|\\.)*\"")


def tokenize(source: str) -> list[Token]:
    """The tokens, ending with an END token; a character that starts no token is an error."""
    tokens: list[Token] = []
    at = 0
    while True:
        space = _SPACE.match(source, at)
        if space:
            at = space.end()
        if at >= len(source):
            tokens.append(Token(Kind.END, "", at))
            return tokens
        tokens.append(_token_at(source, at))
        at = tokens[-1].offset + len(tokens[-1].text)


def _token_at(source: str, at: int) -> Token:
    char = source[at]
    number = _NUMBER.match(source, at)  # ASCII digits only: str.isdigit() also takes "²"
    if number is not None:
        if _NAME.match(source, number.end()):
            raise RuleError("a name cannot start with a digit", source, at)
        return Token(Kind.NUMBER, number.group(), at)
    name = _NAME.match(source, at)
    if name is not None:
        kind = Kind.KEYWORD if name.group() in KEYWORDS else Kind.NAME
        return Token(kind, name.group(), at)
    if char in "'\"":
        string = _STRING.match(source, at)
        if string is None:
            raise RuleError("this text has no closing quote on its line", source, at)
        return Token(Kind.STRING, string.group(), at)
    for operator in OPERATORS:
        if source.startswith(operator, at):
            return Token(Kind.OPERATOR, operator, at)
    hint = {"=": " (compare with ==)", "&": " (write and)", "|": " (write or)", "!": " (write not)"}
    raise RuleError(f"unexpected character {char!r}{hint.get(char, '')}", source, at)


def unquote(text: str) -> str:
    """A string token's value: the quotes removed, backslash escapes resolved."""
    return re.sub(r"\\(.)", r"\1", text[1:-1])
