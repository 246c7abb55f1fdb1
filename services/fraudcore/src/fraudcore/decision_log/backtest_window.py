"""A window of the decision log read as columns for a backtest (``fraudcore.rules.backtest``): one
binary COPY of fixed-width values only, turned into numpy arrays in one pass, no row by row.

Every value is made NOT NULL and fixed in width on the server (NaN for a missing number, 0 for a
missing text), so the COPY's rows have one layout and numpy reads them as one structured array.
A feature is taken from the row's own feature set, by position; text fields travel as numbers
into a dictionary of their distinct values in the window, read first in the same snapshot; the
card as a 64-bit hash (cards are only counted). The label is the one joined at the time of the
read; the decision's rule columns say what each rule id did live.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg import sql

from fraudcore.decision_log.contract import DECISIONS, FEATURE_SETS, LABELS
from fraudcore.rules.backtest import Logged, Window
from fraudcore.rules.reads import Reads
from fraudcore.schemas import format_time

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_EPOCH = np.datetime64("2000-01-01T00:00:00", "us")  # of a binary timestamptz (microseconds)
EXAMPLES = 20
DEFAULT_DAYS = 7
# PostgreSQL binary types to numpy's (big-endian, as COPY sends them).
_NUMPY = {
    "timestamptz": ">i8",
    "real": ">f4",
    "float8": ">f8",
    "int2": ">i2",
    "int4": ">i4",
    "int8": ">i8",
    "bool": "u1",
}
_WINDOW = sql.SQL("d.event_time >= {} AND d.event_time < {}")


class WindowError(ValueError):
    """A window that cannot be read as asked (empty, reversed): says why."""


def latest_window(
    conn: psycopg.Connection, days: int = DEFAULT_DAYS
) -> tuple[dt.datetime, dt.datetime]:
    """The ``days`` up to the newest logged decision's event time (the world's clock, which may
    be simulated), the newest included."""
    query = sql.SQL("SELECT max(event_time) FROM {}").format(sql.Identifier(DECISIONS))
    row = conn.execute(query).fetchone()
    if row is None or row[0] is None:
        raise WindowError("the decision log holds no decision yet")
    end = row[0] + dt.timedelta(microseconds=1)
    return end - dt.timedelta(days=days), end


def _column(expression: sql.Composable, kind: str, name: str) -> tuple[sql.Composable, str, str]:
    return (
        sql.SQL("COALESCE({}, {})::{}").format(expression, _NULL[kind], sql.SQL(kind)),
        kind,
        name,
    )


_NULL = {
    "timestamptz": sql.SQL("'epoch'::timestamptz"), "real": sql.SQL("'NaN'::real"),
    "float8": sql.SQL("'NaN'::float8"), "int2": sql.SQL("-1"),
    "int4": sql.SQL("0"), "int8": sql.SQL("0"), "bool": sql.SQL("false"),
}  # fmt: skip


def _feature(name: str, sets: dict[str, list[str]]) -> sql.Composable:
    """The feature's value in each row's own feature set (NaN in a set without it)."""
    cases = [
        sql.SQL("WHEN {} THEN d.features[{}]").format(
            sql.Literal(key), sql.Literal(names.index(name) + 1)
        )
        for key, names in sets.items()
        if name in names
    ]
    if not cases:
        return sql.SQL("NULL")
    return sql.SQL("CASE d.feature_set {} END").format(sql.SQL(" ").join(cases))


def _dictionary(conn: psycopg.Connection, name: str, window: sql.Composable) -> list[str]:
    query = sql.SQL("SELECT DISTINCT d.{} FROM {} d WHERE {} AND d.{} IS NOT NULL").format(
        sql.Identifier(name), sql.Identifier(DECISIONS), window, sql.Identifier(name)
    )
    return [row[0] for row in conn.execute(query)]


def _copy(conn: psycopg.Connection, query: sql.Composable) -> bytearray:
    out = bytearray()  # parsed where it is: a window's rows are tens of megabytes
    with (
        conn.cursor() as cursor,
        cursor.copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(query)) as copy,
    ):
        for chunk in copy:
            out += chunk
    return out


def parse_copy(data: bytes | bytearray, kinds: Sequence[str]) -> npt.NDArray[np.void]:
    """A binary COPY of fixed-width, non-null columns of ``kinds`` as one structured array with
    fields c0, c1...; anything else (a NULL, another width) is refused, never misread."""
    if not data.startswith(SIGNATURE) or len(data) < 21:
        raise ValueError("not a binary COPY stream")
    (extension,) = struct.unpack(">i", data[15:19])
    body = memoryview(data)[19 + extension : len(data) - 2]
    if data[-2:] != b"\xff\xff":
        raise ValueError("the COPY stream has no trailer")
    layout: list[tuple[str, str]] = [("count", ">i2")]
    for i, kind in enumerate(kinds):
        layout += [(f"n{i}", ">i4"), (f"c{i}", _NUMPY[kind])]
    dtype = np.dtype(layout)
    if len(body) % dtype.itemsize:
        raise ValueError("rows of another width than the columns asked for (a NULL?)")
    rows = np.frombuffer(body, dtype=dtype)
    if len(rows) and not (rows["count"] == len(kinds)).all():
        raise ValueError("rows with another number of columns")
    for i, kind in enumerate(kinds):
        if len(rows) and not (rows[f"n{i}"] == np.dtype(_NUMPY[kind]).itemsize).all():
            raise ValueError(f"column {i} is not {kind} in every row")
    return rows


def read_window(
    conn: psycopg.Connection,
    start: dt.datetime,
    end: dt.datetime,
    wanted: Reads,
    rule_ids: Iterable[str] = (),
) -> Window:
    """The decisions with ``start <= event_time < end`` as the columns ``wanted`` names, with
    their outcomes and what each of ``rule_ids`` did live; one consistent snapshot."""
    if start.tzinfo is None or end.tzinfo is None:
        raise WindowError("a window's bounds carry a time zone")
    if end <= start:
        raise WindowError(
            f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        )
    window = _WINDOW.format(sql.Literal(start), sql.Literal(end))
    texts = sorted(wanted.texts | {"currency"})
    ids = sorted(set(rule_ids))
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        sets = {
            key: list(names)
            for key, names in conn.execute(
                sql.SQL("SELECT feature_set, names FROM {}").format(sql.Identifier(FEATURE_SETS))
            )
        }
        dictionaries = {name: _dictionary(conn, name, window) for name in texts}
        columns = [_column(_feature(n, sets), "real", f"f:{n}") for n in sorted(wanted.features)]
        columns += [
            _column(sql.SQL("d.{}").format(sql.Identifier(n)), "float8", f"n:{n}")
            for n in sorted(wanted.numbers)
        ]
        joins = []
        for i, name in enumerate(texts):
            alias = sql.Identifier(f"t{i}")
            joins.append(
                sql.SQL(
                    "LEFT JOIN unnest({}::text[]) WITH ORDINALITY AS {}(v, code) ON {}.v = d.{}"
                ).format(sql.Literal(dictionaries[name]), alias, alias, sql.Identifier(name))
            )
            columns.append(_column(sql.SQL("{}.code").format(alias), "int4", f"t:{name}"))
        columns += [
            _column(sql.SQL("d.event_time"), "timestamptz", "event_time"),
            _column(sql.SQL("hashtextextended(d.transaction_id, 0)"), "int8", "transaction"),
            _column(sql.SQL("d.amount"), "float8", "amount"),
            _column(sql.SQL("hashtextextended(d.card_id, 0)"), "int8", "card"),
            _column(
                sql.SQL("CASE d.decision WHEN 'approve' THEN 0 WHEN 'review' THEN 1 ELSE 2 END"),
                "int2",
                "decision",
            ),
            _column(
                sql.SQL("CASE WHEN l.is_fraud THEN 1 WHEN NOT l.is_fraud THEN 0 END"),
                "int2",
                "label",
            ),
            _column(sql.SQL("d.score"), "float8", "score"),
            _column(sql.SQL("d.review_threshold"), "float8", "review"),
            _column(sql.SQL("cardinality(d.rules) > 0"), "bool", "any_rule"),
            _column(sql.SQL("d.channel IS NULL"), "bool", "without_payment"),
        ]
        if wanted.lists:  # who was listed when: at the instant each was decided
            columns.append(_column(sql.SQL("d.decided_at"), "timestamptz", "decided_at"))
        for rule_id in ids:
            literal = sql.Literal(rule_id)
            columns += [
                _column(sql.SQL("{} = ANY(d.rules)").format(literal), "bool", f"fired:{rule_id}"),
                _column(
                    sql.SQL("{} = ANY(d.shadow_rules)").format(literal), "bool", f"shadow:{rule_id}"
                ),
                _column(
                    sql.SQL("cardinality(array_remove(d.rules, {})) > 0").format(literal),
                    "bool",
                    f"others:{rule_id}",
                ),
            ]
        query = sql.SQL(
            "SELECT {} FROM {} d LEFT JOIN {} l ON l.transaction_id = d.transaction_id "
            "AND l.event_time = d.event_time AND l.event_time >= {} AND l.event_time < {} {} "
            "WHERE {}"
        ).format(
            sql.SQL(", ").join(expression for expression, _, _ in columns),
            sql.Identifier(DECISIONS), sql.Identifier(LABELS), sql.Literal(start), sql.Literal(end),
            sql.SQL(" ").join(joins), window,
        )  # fmt: skip
        data = _copy(conn, query)
    rows = parse_copy(data, [kind for _, kind, _ in columns])
    named = {name: rows[f"c{i}"] for i, (_, _, name) in enumerate(columns)}
    bounds = (start, end)
    return _window(named, bounds, len(rows), dictionaries=dictionaries, wanted=wanted, ids=ids)


def _micros(timestamps: Any) -> npt.NDArray[np.int64]:
    """Binary timestamptz values (microseconds since 2000) as microseconds since 1970."""
    micros: npt.NDArray[np.int64] = timestamps.astype(np.int64) + _EPOCH.astype(np.int64)
    return micros


def _window(
    named: dict[str, Any],
    bounds: tuple[dt.datetime, dt.datetime],
    size: int,
    *,
    dictionaries: dict[str, list[str]],
    wanted: Reads,
    ids: list[str],
) -> Window:
    def flag(name: str) -> Any:
        return named[name].astype(np.bool_)

    texts = {}
    for name, values in dictionaries.items():
        lookup = np.array([None, *values], dtype=object)  # code 0: absent
        texts[name] = lookup[named[f"t:{name}"].astype(np.intp)]
    # The consumer compares a float32 score with its thresholds as float32 (model_levels).
    score = named["score"].astype(np.float32)
    review = named["review"].astype(np.float32)
    return Window(
        start=bounds[0],
        end=bounds[1],
        size=size,
        features={
            n: np.ascontiguousarray(named[f"f:{n}"], dtype=np.float32) for n in wanted.features
        },
        texts=texts,
        numbers={n: named[f"n:{n}"].astype(np.float64) for n in wanted.numbers},
        event_time=_EPOCH + named["event_time"].astype(np.int64).astype("timedelta64[us]"),
        transaction=named["transaction"].astype(np.int64),
        label=named["label"].astype(np.int8),
        amount=named["amount"].astype(np.float64),
        card=named["card"].astype(np.int64),
        decision=named["decision"].astype(np.int8),
        model_alert=np.asarray(score >= review, dtype=np.bool_),
        any_rule=flag("any_rule"),
        without_payment=flag("without_payment"),
        decided_at=_micros(named["decided_at"]) if "decided_at" in named else None,
        logged={
            rule_id: Logged(
                flag(f"fired:{rule_id}"), flag(f"shadow:{rule_id}"), flag(f"others:{rule_id}")
            )
            for rule_id in ids
        },
    )


_EXAMPLES = sql.SQL(
    "SELECT d.transaction_id, d.event_time, hashtextextended(d.transaction_id, 0), d.amount, "
    "d.currency, d.decision, d.rules, d.score, l.is_fraud FROM {} d LEFT JOIN {} l "
    "USING (transaction_id, event_time) WHERE d.event_time = ANY(%s)"
).format(sql.Identifier(DECISIONS), sql.Identifier(LABELS))


def examples(
    conn: psycopg.Connection, window: Window, hits: npt.NDArray[np.bool_], limit: int = EXAMPLES
) -> list[dict[str, Any]]:
    """The newest ``limit`` hits, read again by event time (indexed) and transaction id hash."""
    where = np.flatnonzero(hits)
    newest = where[np.argsort(window.event_time[where], kind="stable")[::-1][:limit]]
    if not len(newest):
        return []
    wanted = {
        (window.event_time[i].item().replace(tzinfo=dt.UTC), int(window.transaction[i]))
        for i in newest
    }
    rows = conn.execute(_EXAMPLES, ([at for at, _ in wanted],)).fetchall()
    found = [
        {"transaction_id": r[0], "event_time": format_time(r[1]), "amount": r[3], "currency": r[4],
         "decision": r[5], "rules": r[6], "score": r[7], "is_fraud": r[8]}
        for r in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)
        if (r[1], r[2]) in wanted
    ]  # fmt: skip
    return found[:limit]
