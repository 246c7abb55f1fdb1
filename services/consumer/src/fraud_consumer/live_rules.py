"""The rules a consumer decides with: the built-in baseline (R01-R04) without a database, else
what the decision log's database holds, reloaded when its revision moves.

A background thread reads the one-row revision every ``rules_poll_s`` (1 s) on its own
connection and, when it moved, loads and compiles the rules there and swaps the set in; a batch
takes the set once at its start, so the hot path never waits on the database and one batch is
decided by one rule set. A poll rather than LISTEN/NOTIFY: a notification sent while a consumer
reconnects is lost (so a poll is needed anyway), and a one-row read a second costs nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

import psycopg

from fraud_consumer.decision_sink import DecisionLogUnavailableError
from fraudcore.decision_log import connect, rule_store
from fraudcore.rules import BASELINE_RULES, RuleError, RuleSet, compile_rule
from fraudcore.settings import DatabaseSettings

log = logging.getLogger(__name__)
APPLICATION = "fraud-consumer-rules"


@dataclass(frozen=True)
class LoadedRules:
    rules: RuleSet
    revision: int  # the database's (0: the built-in baseline)


class RuleSource(Protocol):
    def current(self) -> LoadedRules:
        """The set in force now; raises DecisionLogUnavailableError before the first load."""
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
    def __init__(self, settings: DatabaseSettings, poll_s: float) -> None:
        self.settings, self.poll_s = settings, poll_s
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
                raise DecisionLogUnavailableError(
                    f"decision log: rules not read: {error}"
                ) from error
        assert self.loaded is not None  # refresh loads or raises
        return self.loaded

    def refresh(self) -> bool:
        """Reload when the revision moved; whether the set changed. Database errors propagate."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> bool:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect(self.settings, APPLICATION)
        if self.loaded is not None and rule_store.revision(self._conn) == self.loaded.revision:
            return False
        revision, definitions = rule_store.load(self._conn)
        compiled = []
        for definition in rule_store.in_force(definitions):
            try:
                compiled.append(compile_rule(definition))
            except RuleError as error:  # stored by an older release's vocabulary: left out
                log.error("rule %s v%d left out: %s", definition.id, definition.version, error)
        rules = RuleSet(compiled)
        self.loaded = LoadedRules(rules, revision)
        log.info("rules revision %d: %d active, %d shadow", revision, len(rules.active),
                 len(rules.shadow))  # fmt: skip
        return True

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


def rule_source(settings: DatabaseSettings | None, poll_s: float) -> RuleSource:
    return BuiltinRules() if settings is None else DatabaseRules(settings, poll_s)
