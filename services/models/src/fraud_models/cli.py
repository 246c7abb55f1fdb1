"""``fraud-models``: the model registry from the command line.

fraud-models migrate [--wait-s S]              apply the registry's schema migrations
fraud-models list [--status STATUS] [--json]   every registered version, newest first
fraud-models show VERSION [--verify]           a version's card, artifacts and history as JSON;
    --verify checks the stored files against their registered digests (exit 4 if they differ)
fraud-models register MODEL_DIR --reason WHY [--data-digest SHA256]
    check the model loads as serving would load it, copy it into the artifact store, record it
    as a candidate; the same files again change nothing
fraud-models promote VERSION --to challenger|champion --reason WHY
fraud-models retire VERSION --reason WHY
fraud-models rollback [--to VERSION] --reason WHY
    the previous champion (or VERSION) becomes the champion again, the current one is retired
fraud-models compare [--days N] [--json]
    champion against challenger on the payments both scored (the decision log's last N days of
    decisions): alert rates, agreement, precision and recall at the review budget (95% intervals)

Every change records who (--actor, default: the user running the command), when and why.
Exit codes: 0 done, 1 no such version, 2 invalid configuration or usage, 3 database unavailable,
4 refused (a status change not allowed, artifacts missing or not the registered ones).
Environment: DATABASE_URL (required), DATABASE_PASSWORD, MODEL_STORE_DIR (register, --verify).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path
from typing import Any

import orjson
import psycopg

from fraud_models.settings import ModelsSettings
from fraudcore import model_registry as registry
from fraudcore.decision_log import comparison
from fraudcore.decision_log.comparison import Rate, wilson
from fraudcore.decision_log.connection import connect_waiting
from fraudcore.decision_log.migrator import MigrationError
from fraudcore.decision_log.quality import latest_day
from fraudcore.model import ModelBundle, ModelMismatchError
from fraudcore.model_registry import Event, ModelStore, Status
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings

EXIT_NOT_FOUND = 1
EXIT_FAILED = 3
EXIT_REFUSED = 4


def _print(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def _events(events: list[Event]) -> None:
    for e in events:
        was = e.from_status.value if e.from_status else "new"
        print(f"{e.model_version}: {was} -> {e.to_status.value} ({e.action.value} by {e.actor})")


def _store(settings: ModelsSettings) -> ModelStore:
    if settings.model_store_dir is None:
        raise registry.RegistryError("set MODEL_STORE_DIR: the artifact store's root directory")
    return ModelStore(settings.model_store_dir)


def _list(conn: psycopg.Connection, args: argparse.Namespace) -> int:
    versions = registry.list_versions(conn, args.status)
    if args.json:
        _print([version.as_json() for version in versions])
        return 0
    if not versions:
        print("no model registered" + (f" as {args.status.value}" if args.status else ""))
    for v in versions:
        when = v.registered_at.isoformat(timespec="seconds")
        print(f"{v.model_version:<40} {v.status.value:<10} registered {when}  "
              f"data {v.data_digest[:12]}")  # fmt: skip
    return 0


def _show(conn: psycopg.Connection, args: argparse.Namespace, settings: ModelsSettings) -> int:
    version = registry.get_version(conn, args.version)
    shown = version.as_json(with_card=True)
    shown["history"] = [event.as_json() for event in registry.history(conn, args.version)]
    if args.verify:
        path = _store(settings).verified(version.model_version, version.artifacts)
        shown["path"] = str(path)
    _print(shown)
    return 0


def _register(conn: psycopg.Connection, args: argparse.Namespace, store: ModelStore) -> int:
    try:
        model = ModelBundle.load(args.model_dir)  # refuse what serving would refuse
    except (ModelMismatchError, OSError, ValueError) as error:
        problem = f"{args.model_dir} is not a servable model: {error}"
        raise registry.ArtifactError(problem) from error
    events = registry.register(conn, store, args.model_dir, actor=args.actor, reason=args.reason,
                               data_digest=args.data_digest)  # fmt: skip
    if not events:
        print(f"{model.version} is registered already, with the same files")
    _events(events)
    return 0


def _change(conn: psycopg.Connection, args: argparse.Namespace) -> int:
    if args.command == "promote":
        events = registry.promote(conn, args.version, args.to, args.actor, args.reason)
    elif args.command == "retire":
        events = registry.retire(conn, args.version, args.actor, args.reason)
    else:
        events = registry.rollback(conn, args.actor, args.reason, args.to)
    _events(events)
    return 0


def _percent(rate: Rate) -> str:
    interval = wilson(rate.successes, rate.trials)
    if rate.value is None or interval is None:
        return "-"
    low, high = interval
    return f"{rate.value:.1%} [{low:.1%}, {high:.1%}] of {rate.trials:,}"


def _compare(conn: psycopg.Connection, args: argparse.Namespace) -> int:
    last = latest_day(conn)
    found = []
    if last is not None:
        since = dt.datetime.combine(last - dt.timedelta(days=args.days - 1), dt.time(), dt.UTC)
        found = comparison.compare(conn, since, since + dt.timedelta(days=args.days))
    if args.json:
        _print([pair.as_json() for pair in found])
        return 0
    if not found:
        print("no decision with a challenger in the decision log's last "
              f"{args.days} days")  # fmt: skip
    for pair in found:
        print(f"champion {pair.champion} against challenger {pair.challenger}: "
              f"{pair.payments:,} payments, {pair.labelled:,} labelled ({pair.frauds:,} fraud), "
              f"review budget {pair.budget:,} (the champion's alerts)")  # fmt: skip
        print(f"  agreement (same decision): {_percent(Rate(pair.agreements, pair.payments))}")
        for name, alerts, at_budget in (
            (pair.champion, pair.champion_alerts, pair.champion_at_budget),
            (pair.challenger, pair.challenger_alerts, pair.challenger_at_budget),
        ):
            print(f"  {name}\n    alert rate   {_percent(Rate(alerts, pair.payments))}\n"
                  f"    precision at the budget  {_percent(at_budget.precision)}\n"
                  f"    recall at the budget     {_percent(at_budget.recall)}")  # fmt: skip
    return 0


def _run(conn: psycopg.Connection, args: argparse.Namespace, settings: ModelsSettings) -> int:
    if args.command == "migrate":
        applied = registry.migrate(conn)
        for migration in applied:
            print(f"applied {migration.version:04d}_{migration.name}")
        if not applied:
            print("up to date")
        return 0
    if args.command == "list":
        return _list(conn, args)
    if args.command == "show":
        return _show(conn, args, settings)
    if args.command == "register":
        return _register(conn, args, _store(settings))
    if args.command == "compare":
        return _compare(conn, args)
    return _change(conn, args)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = load_settings(ModelsSettings, "fraud-models")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    try:
        with connect_waiting(settings, "fraud-models", getattr(args, "wait_s", 0.0)) as conn:
            return _run(conn, args, settings)
    except registry.UnknownVersionError as error:
        print(f"fraud-models {args.command}: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except registry.RegistryError as error:
        print(f"fraud-models {args.command}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except psycopg.errors.UndefinedTable:
        print(f"fraud-models {args.command}: the registry's tables are missing: run "
              "fraud-models migrate", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    except (psycopg.Error, MigrationError) as error:
        print(f"fraud-models {args.command}: {error}", file=sys.stderr)
        return EXIT_FAILED


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container's numeric user): --actor is needed
        return ""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="fraud-models", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    commands = top.add_subparsers(dest="command", required=True)
    schema = commands.add_parser("migrate", help="apply the registry's schema migrations")
    schema.add_argument("--wait-s", type=float, default=0.0, help="wait for the database")
    listing = commands.add_parser("list", help="registered versions, newest first")
    listing.add_argument("--status", type=Status, choices=list(Status))
    listing.add_argument("--json", action="store_true", help="as JSON")
    show = commands.add_parser("show", help="a version's card, artifacts and history")
    show.add_argument("version")
    show.add_argument("--verify", action="store_true", help="check the stored files' digests")
    add = commands.add_parser("register", help="store a model directory as a candidate")
    add.add_argument("model_dir", type=Path)
    add.add_argument("--data-digest", help="sha256 of the training data, if the card lacks it")
    promote = commands.add_parser("promote", help="make a version the challenger or champion")
    promote.add_argument("version")
    promote.add_argument("--to", type=Status, required=True,
                         choices=[Status.CHALLENGER, Status.CHAMPION])  # fmt: skip
    retire = commands.add_parser("retire", help="take a candidate or the challenger out of use")
    retire.add_argument("version")
    back = commands.add_parser("rollback", help="the previous champion becomes champion again")
    back.add_argument("--to", metavar="VERSION", help="this version instead of the previous one")
    versus = commands.add_parser("compare", help="champion against challenger, live")
    versus.add_argument("--days", type=int, default=7, help="the log's latest N days")
    versus.add_argument("--json", action="store_true", help="as JSON")
    for command in (add, promote, retire, back):
        command.add_argument("--reason", required=True, help="why: kept in the history")
        command.add_argument("--actor", default=_actor(), help="who (default: your user name)")
    return top


if __name__ == "__main__":
    sys.exit(main())
