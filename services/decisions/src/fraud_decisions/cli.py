"""``fraud-decisions``: the decision log from the command line.

fraud-decisions migrate [--wait-s S] [--model-registry]
    apply the schema migrations this release carries (the model registry's own set too, in the
    same database, with --model-registry: what fraud-models migrate applies)
fraud-decisions maintain [--clock log|wall | --now TIME]
    partitions made ahead of today, days past the retention before it dropped; today is the
    newest day of event time the log holds decisions for (log, the default: right for a real
    deployment and a simulated world alike), the machine's (wall), or TIME's; with
    CASE_RETENTION_DAYS, analysts' verdicts, label disagreements and audit events older than
    that many days of wall-clock time (counted back from TIME with --now) deleted, and the
    deletion audited
fraud-decisions get TRANSACTION_ID               the logged decision as JSON
fraud-decisions replay TRANSACTION_ID [--model-dir DIR]
    score the logged features again: with the deciding model the score must come back within
    1e-6 (exit 1 if not); with another model, how it would have decided
fraud-decisions replay --sample N [--model-dir DIR]
    the same for N decisions the model took, drawn at random: a summary, exit 1 unless every
    score came back

Environment: DATABASE_URL (required), DATABASE_PASSWORD, DECISION_LOG_RETENTION_DAYS,
DECISION_LOG_DAYS_AHEAD, DECISION_LOG_CLOCK, CASE_RETENTION_DAYS, MODEL_DIR (replay's default
model).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import orjson
import psycopg

from fraud_decisions.settings import DecisionsSettings
from fraudcore.decision_log import get_decisions, migrate
from fraudcore.decision_log.case_retention import expire_case_history
from fraudcore.decision_log.connection import connect_waiting
from fraudcore.decision_log.log_clock import QUORUM, Clock, Today, today
from fraudcore.decision_log.migrator import MigrationError
from fraudcore.decision_log.partitions import maintain
from fraudcore.decision_log.reader import sample_decisions
from fraudcore.decision_log.replay import TOLERANCE, ReplayError, replay
from fraudcore.model import ModelBundle, ModelMismatchError
from fraudcore.model_registry import schema as registry_schema
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, load_settings

EXIT_NOT_FOUND = 1
EXIT_NOT_REPRODUCED = 1
EXIT_FAILED = 3


def _print(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def _migrate(conn: psycopg.Connection, model_registry: bool) -> int:
    sets = [("", migrate)]
    if model_registry:  # the charts' init containers run this image, which has no fraud-models
        sets.append(("model registry: ", registry_schema.migrate))
    for label, apply in sets:
        applied = apply(conn)
        for migration in applied:
            print(f"{label}applied {migration.version:04d}_{migration.name}")
        if not applied:
            print(f"{label}up to date")
    return 0


def _maintain(
    conn: psycopg.Connection, settings: DecisionsSettings, now: Today, wall: dt.datetime
) -> int:
    if settings.case_retention_days is not None:  # wall-clock time: when analysts acted
        expired = expire_case_history(conn, wall, settings.case_retention_days)
        counts = ", ".join(f"{n} from {table}" for table, n in expired.deleted.items())
        print(f"case history before {expired.before.isoformat()} deleted: {counts}")
    for day in now.ignored:
        print(f"ignored {day}: fewer than {QUORUM} decisions, too few to set the clock")
    if now.day is None:
        print(f"no day holds {QUORUM} decisions yet: nothing to count from, nothing done")
        return 0
    print(f"today is {now.day} ({now.clock} clock)")
    upkeep = maintain(
        conn, now.day, settings.decision_log_retention_days, settings.decision_log_days_ahead
    )
    print(f"made {len(upkeep.made)} partitions, dropped {len(upkeep.dropped)}")
    for name in upkeep.dropped:
        print(f"dropped {name}")
    return 0


def _get(conn: psycopg.Connection, transaction_id: str) -> int:
    logged = get_decisions(conn, transaction_id)
    if not logged:
        print(f"no decision logged for {transaction_id}", file=sys.stderr)
        return EXIT_NOT_FOUND
    _print(logged[0].as_json() if len(logged) == 1 else [entry.as_json() for entry in logged])
    return 0


def _replay(conn: psycopg.Connection, transaction_id: str, model_dir: Path | None) -> int:
    if model_dir is None:
        print("replay needs a model: pass --model-dir or set MODEL_DIR", file=sys.stderr)
        return EXIT_INVALID_CONFIGURATION
    logged = get_decisions(conn, transaction_id)
    if not logged:
        print(f"no decision logged for {transaction_id}", file=sys.stderr)
        return EXIT_NOT_FOUND
    try:
        model = ModelBundle.load(model_dir)
        replays = [replay(entry, model) for entry in logged]
    except (ModelMismatchError, ReplayError, OSError) as error:
        print(f"cannot replay {transaction_id}: {error}", file=sys.stderr)
        return EXIT_FAILED
    _print(replays[0].as_json() if len(replays) == 1 else [r.as_json() for r in replays])
    if any(entry.reproduced is False for entry in replays):
        print(f"model {model.version} did not reproduce the logged score", file=sys.stderr)
        return EXIT_NOT_REPRODUCED
    return 0


def _replay_sample(conn: psycopg.Connection, size: int, model_dir: Path | None) -> int:
    if model_dir is None:
        print("replay needs a model: pass --model-dir or set MODEL_DIR", file=sys.stderr)
        return EXIT_INVALID_CONFIGURATION
    try:
        model = ModelBundle.load(model_dir)
        logged = sample_decisions(conn, model.version, size)
        replays = [replay(entry, model) for entry in logged]
    except (ModelMismatchError, ReplayError, OSError) as error:
        print(f"cannot replay a sample: {error}", file=sys.stderr)
        return EXIT_FAILED
    if not replays:
        print(f"no decision logged by model {model.version}", file=sys.stderr)
        return EXIT_NOT_FOUND
    deltas = [abs(entry.score_delta) for entry in replays]
    worst = max(range(len(replays)), key=deltas.__getitem__)
    reproduced = sum(delta <= TOLERANCE for delta in deltas)
    _print({
        "model_version": model.version,
        "sampled": len(replays),
        "reproduced": reproduced,
        "tolerance": TOLERANCE,
        "max_abs_score_delta": deltas[worst],
        "worst_transaction_id": replays[worst].logged.transaction_id,
        "decisions_changed": sum(r.decision != r.logged.decision.value for r in replays),
    })  # fmt: skip
    if reproduced < len(replays):
        print(f"{len(replays) - reproduced} logged scores not reproduced", file=sys.stderr)
        return EXIT_NOT_REPRODUCED
    return 0


def _time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone (add Z or +00:00)")
    return value


def _run(conn: psycopg.Connection, args: argparse.Namespace, settings: DecisionsSettings) -> int:
    if args.command == "migrate":
        return _migrate(conn, args.model_registry)
    if args.command == "maintain":
        if args.now is not None:
            return _maintain(
                conn, settings, Today(args.now.astimezone(dt.UTC).date(), Clock.WALL), args.now
            )
        wall = dt.datetime.now(dt.UTC)
        return _maintain(
            conn, settings, today(conn, args.clock or settings.decision_log_clock, wall), wall
        )
    if args.command == "get":
        return _get(conn, args.transaction_id)
    model_dir = args.model_dir or settings.model_dir
    if args.sample is not None:
        return _replay_sample(conn, args.sample, model_dir)
    return _replay(conn, args.transaction_id, model_dir)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive count")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fraud-decisions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    schema = commands.add_parser("migrate", help="apply the schema migrations")
    schema.add_argument(
        "--wait-s", type=float, default=0.0, help="wait up to S seconds for the database to start"
    )
    schema.add_argument(
        "--model-registry",
        action="store_true",
        help="also the model registry's migrations (its own set, as fraud-models migrate)",
    )
    upkeep = commands.add_parser("maintain", help="make partitions ahead, drop expired ones")
    when = upkeep.add_mutually_exclusive_group()
    when.add_argument(
        "--clock", type=Clock, choices=list(Clock), help="log or wall (DECISION_LOG_CLOCK, log)"
    )
    when.add_argument("--now", type=_time, help="count from this time instead (ISO 8601)")
    get = commands.add_parser("get", help="print a logged decision as JSON")
    get.add_argument("transaction_id")
    again = commands.add_parser("replay", help="score a logged decision again")
    what = again.add_mutually_exclusive_group(required=True)
    what.add_argument("transaction_id", nargs="?")
    what.add_argument("--sample", type=_positive, metavar="N", help="N random decisions")
    again.add_argument("--model-dir", type=Path, help="another model (default: MODEL_DIR)")
    args = parser.parse_args(argv)

    settings = load_settings(DecisionsSettings, "fraud-decisions")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    try:
        with connect_waiting(settings, "fraud-decisions", getattr(args, "wait_s", 0.0)) as conn:
            return _run(conn, args, settings)
    except (psycopg.Error, MigrationError) as error:
        print(f"fraud-decisions {args.command}: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
