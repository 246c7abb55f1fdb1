"""Backtests on the decision log: the rules given (drafts, stored versions, the rules in force)
compiled first, the window's columns read once for all of them, each rule run over them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import psycopg

from fraudcore.decision_log import list_store, rule_store
from fraudcore.decision_log.backtest_window import DEFAULT_DAYS, latest_window, read_window
from fraudcore.rules import RuleDefinition, Status, compile_rule
from fraudcore.rules.backtest import Backtest, backtest
from fraudcore.rules.reads import NOTHING, reads


@dataclass(frozen=True)
class Run:
    backtests: list[Backtest]
    read_seconds: float  # the window's columns out of PostgreSQL into numpy

    @property
    def seconds(self) -> float:
        return self.read_seconds + sum(b.seconds for b in self.backtests)


def run(
    conn: psycopg.Connection,
    rules: Sequence[RuleDefinition],
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    *,
    days: int = DEFAULT_DAYS,
    lists: Mapping[str, frozenset[str]] | None = None,
) -> Run:
    """Every rule of ``rules`` over ``start <= event_time < end`` (by default up to the newest
    decision, included, and from ``days`` before the end), reading ``lists`` as given or, by
    default, each decision against the entries in force when it was decided (``list_changes``).
    Raises RuleError for a rule that does not compile, before reading."""
    for rule in rules:
        compile_rule(rule)
    if end is None:
        end = latest_window(conn, days)[1]
    if start is None:
        start = end - dt.timedelta(days=days)
    wanted = NOTHING
    for rule in rules:
        wanted |= reads(rule.expression)
    began = time.perf_counter()
    window = read_window(conn, start, end, wanted, [rule.id for rule in rules])
    read_seconds = time.perf_counter() - began
    history = None
    if lists is None:
        lists = list_store.load(conn)[1].snapshot(time.time())  # a constant's list: now
        history = list_store.spans(conn, wanted.lists) if wanted.lists else None
    return Run([backtest(rule, window, lists, history=history) for rule in rules], read_seconds)


def stored_version(
    conn: psycopg.Connection, rule_id: str, version: int | None = None
) -> RuleDefinition:
    """A stored rule version (the newest when ``version`` is None); the baseline before any
    rule was written."""
    _, definitions = rule_store.load(conn)
    versions = [d for d in definitions if d.id == rule_id]
    if version is not None:
        versions = [d for d in versions if d.version == version]
    if not versions:
        which = rule_id if version is None else f"{rule_id} version {version}"
        raise rule_store.RuleStoreError(f"no rule {which}")
    return max(versions, key=lambda d: d.version)


def in_force(conn: psycopg.Connection) -> list[RuleDefinition]:
    """The active rules, as the consumers run them now."""
    _, definitions = rule_store.load(conn)
    return [d for d in definitions if d.status is Status.ACTIVE]
