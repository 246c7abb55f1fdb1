"""``fraud-rules backtest``: a rule (its text, or a stored version) or every active rule, run over
a window of the decision log; the figures as a table, or JSON (``--json``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

import psycopg

from fraud_rules import database
from fraudcore.decision_log import rule_backtest, rule_store
from fraudcore.decision_log.backtest_window import DEFAULT_DAYS, WindowError
from fraudcore.rules import Action, RuleDefinition, RuleError, Status

DRAFT_ID = "DRAFT"  # the id of an expression backtested before it has one


def add_parser(commands: Any) -> None:
    command = commands.add_parser(
        "backtest", help="a rule over a window of the decision log: hits, precision, money"
    )
    command.add_argument("expression", nargs="?", help="a rule expression (a draft)")
    which = command.add_mutually_exclusive_group()
    which.add_argument("--rule", help="a stored rule's id (its newest version unless --version)")
    which.add_argument("--active", action="store_true", help="every active rule")
    command.add_argument("--version", type=int, help="the stored version of --rule")
    command.add_argument("--id", default=DRAFT_ID, help="the draft's id (its live record, if any)")
    command.add_argument("--action", choices=[a.value for a in Action], default="review")
    command.add_argument("--from", dest="start", type=_time, help="event time, included (ISO 8601)")
    command.add_argument("--to", dest="end", type=_time, help="event time, excluded (ISO 8601)")
    command.add_argument(
        "--days", type=int, default=DEFAULT_DAYS,
        help="without --from/--to: the days up to the newest decision",
    )  # fmt: skip
    command.add_argument("--json", action="store_true", help="the figures as JSON")


def _time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone (e.g. 2026-12-01T00:00:00Z)")
    return value


def _rules(conn: psycopg.Connection, args: argparse.Namespace) -> list[RuleDefinition]:
    if args.active:
        return rule_backtest.in_force(conn)
    if args.rule is not None:
        return [rule_backtest.stored_version(conn, args.rule, args.version)]
    return [
        RuleDefinition(
            id=args.id, version=1, expression=args.expression, action=Action(args.action),
            reason="backtested from the command line", status=Status.DRAFT,
        )
    ]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    if (args.expression is None) == (args.rule is None and not args.active):
        print("backtest takes an expression, --rule ID or --active, one of them", file=sys.stderr)
        return 2
    conn = database.connected("backtest")
    if conn is None:
        return database.EXIT_UNAVAILABLE
    with conn:
        try:
            done = rule_backtest.run(conn, _rules(conn, args), args.start, args.end, days=args.days)
        except RuleError as error:
            print(f"invalid rule: {error}", file=sys.stderr)
            return database.EXIT_INVALID
        except (rule_store.RuleStoreError, WindowError) as error:
            print(f"fraud-rules backtest: {error}", file=sys.stderr)
            return database.EXIT_INVALID
    figures = [b.as_json() for b in done.backtests]
    if args.json:
        print(json.dumps({"read_seconds": round(done.read_seconds, 3), "rules": figures}, indent=2))
        return 0
    for line in table(figures, done.read_seconds):
        print(line)
    return 0


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def table(figures: list[dict[str, Any]], read_seconds: float) -> list[str]:
    if not figures:
        return ["no rule to backtest"]
    window = figures[0]["window"]
    lines = [
        f"{window['decisions']:,} decisions from {window['from']} to {window['to']} "
        f"({window['labelled']:,} labelled, {window['fraud']:,} fraud), "
        f"read in {read_seconds:.2f} s",
        "| rule | hits | precision | recall | fraud caught | cards hit (genuine) | with model "
        "| with other rules | new alerts | live fired |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in figures:
        rule, overlap = f["rule"], f["overlap"]
        live = f.get("live", {}).get("fired", "-")
        lines.append(
            f"| {rule['id']} v{rule['version']} | {f['hits']:,} | {_share(f['precision'])} | "
            f"{_share(f['recall'])} | {f['fraud_amount_caught']:,.2f} {f['reporting_currency']} | "
            f"{f['cards_hit']:,} ({f['genuine_cards_hit']:,}) | {overlap['model_alerts']:,} | "
            f"{overlap['other_active_rules']:,} | {overlap['new_alerts']:,} | {live} |"
        )
    return lines
