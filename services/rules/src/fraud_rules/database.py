"""The fraud-rules commands that read or change the rules in force, in the decision log's
database (DATABASE_URL): apply a file, list, change one version's status, show the audit."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg

from fraud_rules.files import RulesFileError, read_rules
from fraudcore.decision_log import connect, rule_store
from fraudcore.rules import RuleDefinition, Status
from fraudcore.settings import DatabaseSettings, LoggingSettings
from fraudcore.startup import load_settings


class RulesSettings(DatabaseSettings, LoggingSettings):
    """DATABASE_URL (required for the commands that read or change the database)."""


ROLE = "rules-admin"  # what a fraud-rules user acts as in the audit trail
EXIT_INVALID = 1
EXIT_UNAVAILABLE = 3


def actor(given: str | None) -> str:
    """Who the audit names: --actor (CI says which pipeline), else the account running it."""
    return given or getpass.getuser()


def connected(command: str) -> psycopg.Connection | None:
    settings = load_settings(RulesSettings, f"fraud-rules {command}")
    if settings is None:
        return None
    try:
        return connect(settings, "fraud-rules")
    except psycopg.Error as error:
        print(f"fraud-rules {command}: database unavailable: {error}", file=sys.stderr)
        return None


def apply_file(path: Path, who: str) -> int:
    try:
        definitions = read_rules(path)
    except RulesFileError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    return _changed("apply", lambda c: rule_store.apply(c, definitions, actor=who, role=ROLE))


def set_status(rule_id: str, version: int, status: Status, who: str) -> int:
    return _changed(
        status.value,
        lambda c: rule_store.set_status(c, rule_id, version, status, actor=who, role=ROLE),
    )


def _changed(command: str, change: Callable[[psycopg.Connection], list[rule_store.Change]]) -> int:
    conn = connected(command)
    if conn is None:
        return EXIT_UNAVAILABLE
    with conn:
        try:
            changes = change(conn)
        except rule_store.RuleStoreError as error:
            print(f"refused: {error}", file=sys.stderr)
            return EXIT_INVALID
        at = rule_store.revision(conn)
    for made in changes:
        print(made.describe())
    print(f"{len(changes)} changes; rules revision {at}")
    return 0


def stored() -> tuple[int, list[RuleDefinition]] | None:
    conn = connected("list")
    if conn is None:
        return None
    with conn:
        return rule_store.load(conn)


def show_history(rule_id: str | None) -> int:
    conn = connected("history")
    if conn is None:
        return EXIT_UNAVAILABLE
    with conn:
        events = rule_store.history(conn, rule_id)
    for event in events:
        detail = event["detail"]
        before = (detail["before"] or {}).get("status", "-")
        line = (
            f"{event['at'].isoformat()} {event['actor']} {detail['rule_id']} v{detail['version']}"
        )
        print(f"{line}: {before} -> {detail['after']['status']}  {json.dumps(detail['after'])}")
    return 0
