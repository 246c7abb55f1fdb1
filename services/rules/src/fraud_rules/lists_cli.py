"""``fraud-lists``: the lists rules read (``card_id in blocked_cards``), by hand.

fraud-lists names                     the lists a rule can name, and what each holds
fraud-lists show [LIST] [--json]      the entries (expired ones marked): who, why, when, until
fraud-lists add LIST VALUE --reason WHY [--expires-in 2h | --expires-at TIME] [--actor WHO]
                                      on the list (replacing an entry of the same value); every
                                      consumer matches it within about a second
fraud-lists remove LIST VALUE --reason WHY [--actor WHO]
fraud-lists history [LIST]            who changed which list when, before and after

Entries also come from analysts' fraud verdicts and the known-compromised policy (chargebacks):
both on ``compromised_cards``, which rule R05 blocks. Every change is audited.
Environment: DATABASE_URL. Exit 0 done, 1 refused, 3 database unavailable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable

import psycopg

from fraud_rules.database import EXIT_INVALID, EXIT_UNAVAILABLE, ROLE, actor, connected
from fraudcore.decision_log import list_store
from fraudcore.rules.lists import LIST_KINDS, ListError, ListKind
from fraudcore.rules.vocabulary import LIST_FIELD
from fraudcore.schemas import format_time

PROGRAM = "fraud-lists"
_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")


def duration(text: str) -> dt.timedelta:
    """``90s``, ``15m``, ``2h``, ``30d``."""
    match = _DURATION.match(text.strip())
    if match is None or float(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a duration such as 90s, 15m, 2h or 30d")
    return dt.timedelta(seconds=float(match[1]) * _UNITS[match[2]])


def moment(text: str) -> dt.datetime:
    """An ISO 8601 time with its zone (``2026-12-24T00:00:00Z``)."""
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from error
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r}: say the time zone (Z or +01:00)")
    return parsed


def _names() -> int:
    for name, kind in sorted(LIST_KINDS.items()):
        holds = "country codes" if kind is ListKind.COUNTRY else f"{kind.value} ids"
        print(f"{name:<20} {holds}, matched against {LIST_FIELD[kind]}")
    return 0


def _in_database(command: str, work: Callable[[psycopg.Connection], int]) -> int:
    conn = connected(command, PROGRAM)
    if conn is None:
        return EXIT_UNAVAILABLE
    with conn:
        try:
            return work(conn)
        except ListError as error:
            print(f"refused: {error}", file=sys.stderr)
            return EXIT_INVALID


def _show(conn: psycopg.Connection, name: str | None, as_json: bool) -> int:
    found = list_store.entries(conn, name)
    if as_json:
        print(json.dumps(found, indent=2))
        return 0
    for entry in found:
        until = entry["expires_at"] or "removed"
        state = "EXPIRED" if entry["expired"] else "in force"
        print(
            f"{entry['list_name']} {entry['value']}  {state} until {until}  "
            f"{entry['source']} by {entry['added_by']} at {entry['added_at']}: {entry['reason']}"
        )
    print(f"{len(found)} entries; lists revision {list_store.revisions(conn)[1]}", file=sys.stderr)
    return 0


def _add(conn: psycopg.Connection, args: argparse.Namespace) -> int:
    expires = args.expires_at
    if args.expires_in is not None:
        expires = dt.datetime.now(dt.UTC) + args.expires_in
    change = list_store.add(
        conn, args.list, args.value, actor=actor(args.actor), role=ROLE, reason=args.reason,
        expires_at=expires,
    )  # fmt: skip
    assert change is not None  # a hand entry always lands
    print(change.describe())
    return 0


def _remove(conn: psycopg.Connection, args: argparse.Namespace) -> int:
    change = list_store.remove(
        conn, args.list, args.value, actor=actor(args.actor), role=ROLE, reason=args.reason
    )
    if change is None:
        print(f"refused: {args.value} is not on {args.list}", file=sys.stderr)
        return EXIT_INVALID
    print(change.describe())
    return 0


def _history(conn: psycopg.Connection, name: str | None) -> int:
    for event in list_store.history(conn, name):
        detail = event["detail"]
        verb = "removed" if detail["after"] is None else "added"
        where = f"{detail['list']} {detail['value']}"
        print(f"{format_time(event['at'])} {event['actor']} ({event['role']}) {verb} {where}: "
              f"{detail['reason']}")  # fmt: skip
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROGRAM, description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("names", help="the lists a rule can name")
    show = commands.add_parser("show", help="the entries of every list, or of one")
    show.add_argument("list", nargs="?", choices=sorted(LIST_KINDS), metavar="LIST")
    show.add_argument("--json", action="store_true")
    for command in ("add", "remove"):
        change = commands.add_parser(command, help=f"{command} an entry, audited")
        change.add_argument("list", choices=sorted(LIST_KINDS), metavar="LIST")
        change.add_argument("value", help="a card, merchant or device id, or a country code")
        change.add_argument("--reason", required=True, help="why, for whoever reviews it")
        change.add_argument("--actor", help="who the audit names (default: this account)")
        if command == "add":
            until = change.add_mutually_exclusive_group()
            until.add_argument("--expires-in", type=duration, help="90s, 15m, 2h, 30d")
            until.add_argument("--expires-at", type=moment, help="an ISO 8601 time with zone")
    trail = commands.add_parser("history", help="the audited changes (of one list)")
    trail.add_argument("list", nargs="?", choices=sorted(LIST_KINDS), metavar="LIST")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "names":
        return _names()
    if args.command == "show":
        return _in_database("show", lambda conn: _show(conn, args.list, args.json))
    if args.command == "add":
        return _in_database("add", lambda conn: _add(conn, args))
    if args.command == "remove":
        return _in_database("remove", lambda conn: _remove(conn, args))
    return _in_database("history", lambda conn: _history(conn, args.list))


if __name__ == "__main__":
    sys.exit(main())
