"""The fraud-rules commands that read or change the rules in force, in the decision log's
database (DATABASE_URL): apply a file, list, change one version's status, show the audit."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg

from fraud_rules.files import RulesFileError, read_rules
from fraudcore.decision_log import connect, rule_store, shadow_rules
from fraudcore.decision_log.comparison import Rate
from fraudcore.decision_log.quality import latest_day
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


def connected(command: str, program: str = "fraud-rules") -> psycopg.Connection | None:
    """A connection to the decision log, or None once the reason is printed."""
    settings = load_settings(RulesSettings, f"{program} {command}")
    if settings is None:
        return None
    try:
        return connect(settings, program)
    except psycopg.Error as error:
        print(f"{program} {command}: database unavailable: {error}", file=sys.stderr)
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


def _percent(rate: Rate) -> str:
    interval = rate.as_json()["ci95"]
    if rate.value is None or interval is None:
        return "-"
    return f"{rate.value:.1%} [{interval[0]:.1%}, {interval[1]:.1%}] of {rate.trials:,}"


def compare_shadows(days: int, as_json: bool) -> int:
    """Every version that ran in shadow over the log's last ``days`` days of event time."""
    conn = connected("compare")
    if conn is None:
        return EXIT_UNAVAILABLE
    with conn:
        last = latest_day(conn)
        found = []
        if last is not None:
            since = dt.datetime.combine(last - dt.timedelta(days=days - 1), dt.time(), dt.UTC)
            found = shadow_rules.compare(conn, since, since + dt.timedelta(days=days))
    if as_json:
        print(json.dumps([version.as_json() for version in found], indent=2))
        return 0
    if not found:
        print(f"no rule ran in shadow in the decision log's last {days} days")
    for v in found:
        print(f"{v.rule_id} v{v.version}: {v.payments:,} payments decided while in shadow")
        print(f"  would have fired            {_percent(v.hit_rate)}")
        print(f"  with the model's alerts     {_percent(Rate(v.with_model, v.hits))}")
        print(f"  with active rules           {_percent(Rate(v.with_rules, v.hits))}")
        print(f"  alerts it would add         {v.new_alerts:,} (the live policy approved them)")
        print(f"  precision on labelled hits  {_percent(v.precision)}; "
              f"{v.frauds_missed:,} frauds the live policy missed")  # fmt: skip
    return 0
