"""The rule language: what it accepts and means (three-valued over missing values), and errors
that point at line and column."""

import numpy as np
import pytest

from fraudcore.features import FEATURE_NAMES
from fraudcore.rules import Batch, RuleError, compile_condition
from fraudcore.schemas import Transaction

NAN = float("nan")


def batch(*rows: dict[str, float], payments: list[Transaction] | None = None, **lists) -> Batch:
    matrix = np.zeros((len(rows), len(FEATURE_NAMES)), dtype=np.float32)
    for i, row in enumerate(rows):
        for name, value in row.items():
            matrix[i, FEATURE_NAMES.index(name)] = value
    return Batch.of_rows(matrix, payments, {k: frozenset(v) for k, v in lists.items()})


def fires(expression: str, data: Batch) -> list[bool]:
    with np.errstate(all="ignore"):
        result = compile_condition(expression)(data)
    assert result.dtype == np.bool_
    assert result.shape == (data.size,)
    return result.tolist()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("amount > 5000 and new_merchant", [True, False, False, False]),
        ("amount > 5000 or new_merchant", [True, True, True, False]),
        ("not amount > 5000", [False, True, False, True]),
        ("amount >= 6000", [True, False, False, False]),
        ("amount == 20", [False, False, False, True]),
        ("amount != 20", [True, True, False, False]),
        ("amount in [20, 6000]", [True, False, False, True]),
        ("amount not in [20, 6000]", [False, True, False, False]),
        ("amount / 2 + 1 > 3000", [True, False, False, False]),
        ("-amount < -5000", [True, False, False, False]),
        ("abs(0 - amount) > 5000", [True, False, False, False]),
        ("amount / card_count_1h > 1", [False, False, False, False]),  # a division by 0: missing
        ("missing(amount)", [False, False, True, False]),
        ("not missing(amount) and not new_merchant", [False, False, False, True]),
        ("2 * 3 == 6", [True, True, True, True]),
        ("1 / 0 > 0", [False, False, False, False]),
        ("false or (true and 1 < 2)", [True, True, True, True]),
        ("amount > 1_000 # big\n and new_merchant", [True, False, False, False]),
    ],
)
def test_what_expressions_mean(expression: str, expected: list[bool]) -> None:
    data = batch(
        {"amount": 6000, "new_merchant": 1},
        {"amount": 50, "new_merchant": 1},
        {"amount": NAN, "new_merchant": 1},
        {"amount": 20, "new_merchant": 0},
    )
    assert fires(expression, data) == expected


def test_missing_evidence_is_unknown_and_never_fires() -> None:
    """Three-valued: unknown stays unknown through not; and/or decide when one side can."""
    data = batch({"distance_from_last_km": NAN, "new_merchant": 1})
    assert fires("distance_from_last_km > 10", data) == [False]
    assert fires("not distance_from_last_km > 10", data) == [False]
    assert fires("not (distance_from_last_km > 10 and new_merchant)", data) == [False]
    assert fires("not (distance_from_last_km > 10 and not new_merchant)", data) == [True]
    assert fires("distance_from_last_km > 10 or new_merchant", data) == [True]
    assert fires("missing(distance_from_last_km > 10)", data) == [True]


def test_payment_fields_and_lists(payment) -> None:
    payments = [payment("card-1"), payment("card-2", "DE", None), payment("card-3", "US")]
    data = batch({}, {}, {}, payments=payments, blocked_cards={"card-2"})
    assert fires("card_id in blocked_cards", data) == [False, True, False]
    assert fires("card_id not in blocked_cards", data) == [True, False, True]
    assert fires("country in ['DE', 'US']", data) == [False, True, True]
    assert fires("country != 'FR' and channel == 'online'", data) == [False, True, True]
    assert fires("device_id == 'dev-1'", data) == [True, False, True]
    assert fires("device_id != 'dev-1'", data) == [False, False, False]  # no device: unknown
    assert fires("missing(device_id)", data) == [False, True, False]
    assert fires("lat > 48 and merchant_category == 5812", batch({}, payments=payments[:1])) == [
        False  # merchant_category is the feature (0 in these rows), not the payment's text
    ]
    assert fires("card_id in watched_cards", data) == [False, False, False]  # not loaded: empty


def test_payment_fields_without_payments_are_missing() -> None:
    data = batch({"amount": 1})
    assert fires("card_id == 'card-1'", data) == [False]
    assert fires("card_id != 'card-1'", data) == [False]
    assert fires("missing(card_id) and missing(lat)", data) == [True]


@pytest.mark.parametrize(
    ("expression", "line", "column", "message"),
    [
        ("amout > 5", 1, 1, "unknown name 'amout' (did you mean 'amount'?)"),
        ("amount > ", 1, 10, "expected a value, found end of the rule"),
        ("amount = 5", 1, 8, "unexpected character '=' (compare with ==)"),
        ("amount > 5 &&", 1, 12, "unexpected character '&' (write and)"),
        ("(amount > 5", 1, 12, "expected ')'"),
        ("amount > 5)", 1, 11, "unexpected ')' after a complete rule"),
        ("amount > 5\n  and country > 'FR'", 2, 15, "text compares only with == and !="),
        ("1 < amount < 5", 1, 12, "comparisons do not chain"),
        ("card_id", 1, 1, "expected a condition, found text"),
        ("amount + country == 1", 1, 10, "+ needs numbers, found text"),
        ("merchant_id in blocked_cards", 1, 1, "blocked_cards holds cards: compare card_id"),
        ("country in [1, 'FR']", 1, 12, "a list holds numbers or text, not both"),
        ("amount in []", 1, 11, "a list needs at least one item"),
        ("amount in ['FR']", 1, 8, "'in' takes text in a list of text or a number in numbers"),
        ("country == 'FR", 1, 12, "no closing quote"),
        ("sqrt(amount) > 1", 1, 1, "unknown function 'sqrt'"),
        ("abs(amount, 2) > 1", 1, 1, "abs() takes one argument"),
        ("2x > 1", 1, 1, "a name cannot start with a digit"),
        ("", 1, 1, "the rule is empty"),
        ("amount > 5 and", 1, 15, "expected a value"),
        ("new_merchant and -new_device", 1, 18, "expected a condition, found a number"),
    ],
)
def test_errors_point_at_the_spot(expression: str, line: int, column: int, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        compile_condition(expression)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert message in error.message
    text_line = expression.split("\n")[line - 1]
    assert str(error) == f"line {line}, column {column}: {error.message}\n  {text_line}\n  " + (
        " " * (column - 1) + "^"
    )


def test_size_and_depth_are_bounded() -> None:
    with pytest.raises(RuleError, match="at most 4000 characters"):
        compile_condition("amount > 1 or " * 400 + "true")
    with pytest.raises(RuleError, match="nested deeper than 40 levels"):
        compile_condition("(" * 41 + "amount > 1" + ")" * 41)
    with pytest.raises(RuleError, match="nested deeper than 40 levels"):
        compile_condition(" + ".join(["amount"] * 60) + " > 1")
    # A long chain of or is one level, not a deep tree.
    assert fires(" or ".join(["amount > 1"] * 200), batch({"amount": 2})) == [True]
