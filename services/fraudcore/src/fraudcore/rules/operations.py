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

NAN = float("nan")
_BOOL = np.dtype(np.bool_)


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


# Conditions are evaluated one side at a time: a rule needs only where it is surely true, and
# the other side is computed only under ``not`` or ``missing()``. Each pair below is one
# operator's (surely true, surely false); comparisons with NaN are False both ways: "unknown".
def less(a: Any, b: Any) -> Any:
    return np.less(a, b)


def less_equal(a: Any, b: Any) -> Any:
    return np.less_equal(a, b)


def greater(a: Any, b: Any) -> Any:
    return np.greater(a, b)


def greater_equal(a: Any, b: Any) -> Any:
    return np.greater_equal(a, b)


def equal(a: Any, b: Any) -> Any:
    return np.equal(a, b)


def unequal(a: Any, b: Any) -> Any:
    """Surely different: both known and not equal."""
    return np.logical_and(np.not_equal(a, b), np.logical_and(known(a), known(b)))


Sides = tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]
NUMBER_COMPARISONS: dict[str, Sides] = {
    "<": (less, greater_equal),
    "<=": (less_equal, greater),
    ">": (greater, less_equal),
    ">=": (greater_equal, less),
    "==": (equal, unequal),
    "!=": (unequal, equal),
}


def texts_equal(a: tuple[Any, Any], b: tuple[Any, Any]) -> Any:
    return np.logical_and(np.equal(a[0], b[0]), np.logical_and(a[1], b[1]))


def texts_unequal(a: tuple[Any, Any], b: tuple[Any, Any]) -> Any:
    return np.logical_and(np.not_equal(a[0], b[0]), np.logical_and(a[1], b[1]))


TEXT_COMPARISONS: dict[str, Sides] = {
    "==": (texts_equal, texts_unequal),
    "!=": (texts_unequal, texts_equal),
}


def number_in(a: Any, items: Any) -> Any:
    return np.isin(a, items)


def number_not_in(a: Any, items: Any) -> Any:
    return np.logical_and(np.logical_not(np.isin(a, items)), known(a))


def text_in(a: tuple[Any, Any], items: frozenset[str]) -> Any:
    values = a[0]
    if isinstance(values, np.ndarray):
        return np.fromiter((value in items for value in values), np.bool_, len(values))
    return np.bool_(values in items)


def text_not_in(a: tuple[Any, Any], items: frozenset[str]) -> Any:
    return np.logical_and(np.logical_not(text_in(a, items)), a[1])


def flag_true(x: Any) -> Any:
    """A flag as a condition: true where 1, false where another number, unknown where NaN."""
    return np.equal(x, 1.0)


def flag_false(x: Any) -> Any:
    return np.logical_and(np.not_equal(x, 1.0), known(x))


def all_of(masks: list[Any]) -> Any:
    out = masks[0]
    for mask_ in masks[1:]:
        out = np.logical_and(out, mask_)
    return out


def any_of(masks: list[Any]) -> Any:
    out = masks[0]
    for mask_ in masks[1:]:
        out = np.logical_or(out, mask_)
    return out


def is_nan(x: Any) -> Any:
    return np.isnan(x)


def text_absent(x: tuple[Any, Any]) -> Any:
    return np.logical_not(x[1])


def text_present(x: tuple[Any, Any]) -> Any:
    return x[1]


def undecided(true: Any, false: Any) -> Any:
    return np.logical_not(np.logical_or(true, false))


def decided(true: Any, false: Any) -> Any:
    return np.logical_or(true, false)


def mask(true: Any, size: int) -> Any:
    """Where a condition surely holds, as a bool array of the batch's size (a constant or a
    scalar broadcast; a column as it came, never written to)."""
    if type(true) is np.ndarray and true.dtype is _BOOL and true.ndim == 1 and len(true) == size:
        return true
    return np.logical_or(np.zeros(size, dtype=np.bool_), true)
