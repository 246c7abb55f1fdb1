"""The operations a compiled rule runs, on whole columns or constants alike, none of which can
raise: arithmetic follows IEEE floats (NaN propagates, a division by zero is missing), and a
condition is a pair of masks, (surely true, surely false), so missing evidence is neither.

Three-valued logic as in SQL: ``not`` swaps the pair, ``and`` is false as soon as one side is
false, ``or`` true as soon as one side is true; a rule fires only where it is surely true.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

Tri = tuple[Any, Any]  # (surely true, surely false): bool masks or bools
NAN = float("nan")


def known(x: Any) -> Any:
    return np.logical_not(np.isnan(x))


def negative(x: Any) -> Any:
    return -x


def absolute(x: Any) -> Any:
    return np.abs(x) if isinstance(x, np.ndarray) else abs(x)


def divide(a: Any, b: Any) -> Any:
    if not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray):
        return NAN if b == 0 else a / b
    return np.where(b == 0, NAN, np.true_divide(a, b))


ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": divide,
}
_OPPOSITE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def compare_numbers(symbol: str, a: Any, b: Any) -> Tri:
    """Any comparison with NaN is False both ways: the pair says "unknown"."""
    if symbol in _OPPOSITE:
        return _COMPARE[symbol](a, b), _COMPARE[_OPPOSITE[symbol]](a, b)
    both = np.logical_and(known(a), known(b))
    equal = np.equal(a, b)
    same = (equal, np.logical_and(np.logical_not(equal), both))
    return same if symbol == "==" else (same[1], same[0])


def compare_texts(symbol: str, a: tuple[Any, Any], b: tuple[Any, Any]) -> Tri:
    both = np.logical_and(a[1], b[1])
    equal = np.logical_and(np.equal(a[0], b[0]), both)
    same = (equal, np.logical_and(np.logical_not(equal), both))
    return same if symbol == "==" else (same[1], same[0])


def number_in(a: Any, items: Any) -> Tri:
    found = np.isin(a, items)
    return found, np.logical_and(np.logical_not(found), known(a))


def text_in(a: tuple[Any, Any], items: frozenset[str]) -> Tri:
    values, present = a
    found: Any
    if isinstance(values, np.ndarray):
        found = np.fromiter((value in items for value in values), np.bool_, len(values))
    else:
        found = np.bool_(values in items)
    return found, np.logical_and(np.logical_not(found), present)


def flag(x: Any) -> Tri:
    """A flag as a condition: true where 1, false where another number, unknown where NaN."""
    one = np.equal(x, 1.0)
    return one, np.logical_and(np.logical_not(one), known(x))


def negate(x: Tri) -> Tri:
    return x[1], x[0]


def conjunction(parts: list[Tri]) -> Tri:
    true, false = parts[0]
    for t, f in parts[1:]:
        true, false = np.logical_and(true, t), np.logical_or(false, f)
    return true, false


def disjunction(parts: list[Tri]) -> Tri:
    true, false = parts[0]
    for t, f in parts[1:]:
        true, false = np.logical_or(true, t), np.logical_and(false, f)
    return true, false


def is_missing_number(x: Any) -> Tri:
    missing = np.isnan(x)
    return missing, np.logical_not(missing)


def is_missing_text(x: tuple[Any, Any]) -> Tri:
    return np.logical_not(x[1]), x[1]


def is_missing_condition(x: Tri) -> Tri:
    decided = np.logical_or(x[0], x[1])
    return np.logical_not(decided), decided


def mask(x: Tri, size: int) -> Any:
    """Where a condition surely holds, as a fresh bool array of the batch's size."""
    return np.logical_or(np.zeros(size, dtype=np.bool_), x[0])
