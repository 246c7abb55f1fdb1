"""The rules a consumer or the scorer decides with, and the lists they read: the built-in
baseline (R01-R05, no lists) without a database, else what the decision log's database holds,
reloaded when its revisions move. One implementation for every process that decides.

A background thread reads the one-row revisions (the rules' and the lists') every
``rules_poll_s`` (1 s) on its own connection and, when one moved, loads what changed (the rules,
compiled; the list changes since the revision held, applied to a copy, or at the first load
every entry in force) and swaps it in; a batch takes both once at
its start, so the hot path never waits on the database, a list lookup is a set membership, and
one batch is decided by one rule set and one version of the lists. A poll rather than
LISTEN/NOTIFY: a notification sent while a consumer reconnects is lost (so a poll is needed
anyway), and a one-row read a second costs nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Protocol

import psycopg

from fraudcore.decision_log import list_store, rule_store
from fraudcore.decision_log.connection import connect
from fraudcore.rules import BASELINE_RULES, RuleError, RuleSet, compile_rule
from fraudcore.rules.lists import Lists
from fraudcore.settings import DatabaseSettings

log = logging.getLogger(__name__)
LOADED = "rules revision"  # how a load is logged: "rules revision N: ..." (benchmarks wait for it)


class RulesUnavailableError(RuntimeError):
    """The rules were never read (the database is down since the start): nothing may decide."""


@dataclass(frozen=True)
class LoadedRules:
    rules: RuleSet
    revision: int  # the database's (0: the built-in baseline)
    lists: Lists = field(default_factory=Lists)  # the entries in force; snapshot(now) per batch
    lists_revision: int = 0


class RuleSource(Protocol):
    def current(self) -> LoadedRules:
        """The set in force now; raises RulesUnavailableError before the first load."""
        ...

    def close(self) -> None: ...


class BuiltinRules:
    def __init__(self) -> None:
        self.loaded = LoadedRules(RuleSet.compile(BASELINE_RULES), 0)

    def current(self) -> LoadedRules:
        return self.loaded

    def close(self) -> None:
        return None


class DatabaseRules:
    def __init__(self, settings: DatabaseSettings, poll_s: float, application: str) -> None:
        self.settings, self.poll_s, self.application = settings, poll_s, application
        self.loaded: LoadedRules | None = None
        self._conn: psycopg.Connection | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one connection, the poller's or the first batch's
        self._thread = threading.Thread(target=self._run, name="rules-poll", daemon=True)
        self._thread.start()

    def current(self) -> LoadedRules:
        if self.loaded is None:  # the first batch waits for them: never a retired rule's say
            try:
                self.refresh()
            except psycopg.Error as error:
                with self._lock:
                    self._drop()
                raise RulesUnavailableError(f"decision log: rules not read: {error}") from error
        assert self.loaded is not None  # refresh loads or raises
        return self.loaded

    def refresh(self) -> bool:
        """Reload when the revision moved; whether the set changed. Database errors propagate."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> bool:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect(self.settings, self.application)
        rules_at, lists_at = list_store.revisions(self._conn)
        loaded = self.loaded
        if loaded is not None and (rules_at, lists_at) == (loaded.revision, loaded.lists_revision):
            return False
        if loaded is None or rules_at != loaded.revision:
            loaded = self._load_rules(self._conn, loaded)
        if lists_at != loaded.lists_revision:
            loaded = self._load_lists(self._conn, loaded)
        self.loaded = loaded
        return True

    @staticmethod
    def _load_lists(conn: psycopg.Connection, loaded: LoadedRules) -> LoadedRules:
        """The changes since the revision held applied to a copy (O(changes), not O(entries));
        every entry in force when none is held or a change is not recorded."""
        since = loaded.lists_revision
        changed = list_store.changes_since(conn, since) if since >= 0 else None
        if changed is not None:
            at, changes = changed
            log.info("lists revision %d: %d changes since %d", at, len(changes), since)
            return replace(loaded, lists=loaded.lists.changed(changes), lists_revision=at)
        at, lists = list_store.load(conn)
        in_force = sum(len(values) for values in lists.snapshot(time.time()).values())
        log.info("lists revision %d: %d entries in force", at, in_force)
        return replace(loaded, lists=lists, lists_revision=at)

    @staticmethod
    def _load_rules(conn: psycopg.Connection, loaded: LoadedRules | None) -> LoadedRules:
        revision, definitions = rule_store.load(conn)
        compiled = []
        for definition in rule_store.in_force(definitions):
            try:
                compiled.append(compile_rule(definition))
            except RuleError as error:  # stored by an older release's vocabulary: left out
                log.error("rule %s v%d left out: %s", definition.id, definition.version, error)
        rules = RuleSet(compiled)
        log.info("%s %d: %d active, %d shadow", LOADED, revision, len(rules.active),
                 len(rules.shadow))  # fmt: skip
        if loaded is None:
            return LoadedRules(rules, revision, lists_revision=-1)  # the lists load next
        return replace(loaded, rules=rules, revision=revision)

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                self.refresh()
                failing = False
            except psycopg.Error as error:
                if not failing:  # once an outage, not once a second
                    log.warning("rules not read (keeping the revision in force): %s", error)
                failing = True
                with self._lock:
                    self._drop()
            self._stop.wait(self.poll_s)

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with self._lock:
            self._drop()


def rule_source(settings: DatabaseSettings | None, poll_s: float, application: str) -> RuleSource:
    """The database's rules (polled every ``poll_s`` on a connection named ``application``),
    or the built-in baseline without a database."""
    return BuiltinRules() if settings is None else DatabaseRules(settings, poll_s, application)
