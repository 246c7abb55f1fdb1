"""``fraud-models``: the model registry from the command line.

fraud-models migrate [--wait-s S]              apply the registry's schema migrations
fraud-models list [--status STATUS] [--json]   every registered version, newest first
fraud-models show VERSION [--verify]           a version's card, artifacts and history as JSON;
    --verify checks the stored files against their registered digests (exit 4 if they differ)
fraud-models register MODEL_DIR --reason WHY [--data-digest SHA256]
    check the model loads as serving would load it, copy it into the artifact store, record it
    as a candidate; the same files again change nothing
fraud-models evaluate VERSION [--window FROM..TO | --days 7 --label-wait-days 8] [--json]
    VERSION against the champion on the same labelled window of the decision log (features as
    served, labels as joined, pending left out): AP, precision and recall at the review budget,
    recall per scenario, latency per row, card-bootstrap 95% intervals; judged by the gates
    (GATE_AP_MARGIN, GATE_RECALL_MARGIN, GATE_LATENCY_RATIO, GATE_MIN_FRAUDS) and kept in the
    registry with its history line; exit 5 when the gate failed
fraud-models promote VERSION --to challenger|champion --reason WHY [--force]
    a champion whose latest evaluation failed its gate needs --force (the override is recorded)
fraud-models retire VERSION --reason WHY
fraud-models rollback [--to VERSION] --reason WHY
    the previous champion (or VERSION) becomes the champion again, the current one is retired
fraud-models compare [--days N] [--json]
    champion against challenger on the payments both scored (the decision log's last N days of
    decisions): alert rates, agreement, precision and recall at the review budget (95% intervals)
fraud-models retrain [--trigger WHY] [--days 7 --label-wait-days 8]
    train --from-decision-log, register the candidate, evaluate it, make it the challenger if it
    passes; the champion too only with RETRAIN_PROMOTE=true (the schedule's CronJob runs this)
fraud-models webhook
    an Alertmanager receiver on RETRAIN_WEBHOOK_PORT: a firing drift alert starts a retrain
    (POST /alerts with the bearer token RETRAIN_WEBHOOK_TOKEN)

Every change records who (--actor, default: the user running the command), when and why.
Exit codes: 0 done, 1 no such version, 2 invalid configuration or usage, 3 database unavailable,
4 refused (a status change not allowed, a failed gate, artifacts missing or not the registered
ones, a window that cannot be evaluated), 5 evaluated and the gate failed.
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
from fraud_training.from_log import DecisionLogDataError
from fraud_training.gate import evaluate as gate
from fraud_training.gate import webhook
from fraud_training.gate.retrain import RetrainPlan, retrain
from fraud_training.gate.window import WindowError, default_span, parse_span
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
EXIT_GATE_FAILED = 5


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
    shown["evaluations"] = [e.as_json() for e in registry.evaluations(conn, args.version)]
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
        events = registry.promote(conn, args.version, args.to, args.actor, args.reason,
                                  force=args.force)  # fmt: skip
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


def _evaluate(conn: psycopg.Connection, args: argparse.Namespace, settings: ModelsSettings) -> int:
    if not args.actor.strip():
        raise registry.RegistryError("who asked is required (--actor)")
    span = (parse_span(args.window) if args.window
            else default_span(conn, args.days, args.label_wait_days))  # fmt: skip
    request = gate.Request(args.version, span, settings, args.actor, args.replicates)
    verdict = gate.evaluate(conn, _store(settings), request)
    if args.json:
        _print(verdict.as_json())
    else:
        print(summary(verdict.as_json()))
    return 0 if verdict.passed else EXIT_GATE_FAILED


def _interval(figure: dict[str, Any] | None, percent: bool = True) -> str:
    if not figure or figure.get("value") is None:
        return "-"
    form = "{:.1%}" if percent else "{:+.3f}"
    low, high = figure.get("low"), figure.get("high")
    bounds = "" if low is None or high is None else f" [{form.format(low)}, {form.format(high)}]"
    return form.format(figure["value"]) + bounds


def summary(evaluation: dict[str, Any]) -> str:
    """An evaluation as a person reads it: figures with intervals, then each gate."""
    result = evaluation["result"]
    figures = result["figures"]
    lines = [
        f"{evaluation['model_version']} against champion {evaluation['champion_version']}, "
        f"window {result['window']}: {result['labelled']:,} labelled payments "
        f"({result['pending']:,} pending, left out), {figures['frauds']:,} frauds, "
        f"review budget {figures['review_budget']:,} (the champion's logged alerts)",
        f"  {'':<34}{'champion':<26}{'candidate':<26}difference",
    ]
    for key in sorted(figures["candidate"]):
        lines.append(f"  {key:<34}{_interval(figures['champion'].get(key)):<26}"
                     f"{_interval(figures['candidate'].get(key)):<26}"
                     f"{_interval(figures['difference'].get(key), percent=False)}")  # fmt: skip
    for name, lat in result["latency"].items():
        lines.append(f"  latency {name}: median {lat['single_row_median_ms']:.3f} ms a row, p99 "
                     f"{lat['single_row_p99_ms']:.3f} ms; batched {lat['batched_ms_per_row']:.4f}"
                     " ms a row")  # fmt: skip
    for name, check in result["gates"].items():
        verdict = "pass" if check["passed"] else "FAIL"
        lines.append(f"  gate {name:<18} {verdict}  measured {check['measured']}, bound "
                     f"{check['bound']}")  # fmt: skip
    passed = "PASSED" if evaluation["passed"] else "FAILED"
    lines.append(f"gate {passed} (evaluation {evaluation['evaluation_id']}, kept in the registry)")
    return "\n".join(lines)


def _retrain(args: argparse.Namespace, settings: ModelsSettings) -> int:
    plan = RetrainPlan(args.trigger, args.actor, settings, args.days, args.label_wait_days,
                       settings.retrain_promote)  # fmt: skip
    done = retrain(settings, _store(settings), plan)
    print(summary(done["evaluation"]))
    print(f"{done['model_version']} is now the {done['status']}")
    return 0 if done["evaluation"]["passed"] else EXIT_GATE_FAILED


def _webhook(args: argparse.Namespace, settings: ModelsSettings) -> int:
    if settings.retrain_webhook_token is None:
        raise registry.RegistryError("set RETRAIN_WEBHOOK_TOKEN: the receiver takes no "
                                     "unauthenticated alert")  # fmt: skip
    store = _store(settings)

    def run(reason: str) -> None:
        plan = RetrainPlan(reason, args.actor, settings, args.days, args.label_wait_days,
                           settings.retrain_promote)  # fmt: skip
        retrain(settings, store, plan)

    trigger = webhook.Trigger(run, settings.retrain_min_interval_s)
    server = webhook.serve(settings.retrain_webhook_port,
                           settings.retrain_webhook_token.get_secret_value(), trigger)  # fmt: skip
    print(f"fraud-models webhook: POST /alerts on port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _run(conn: psycopg.Connection, args: argparse.Namespace, settings: ModelsSettings) -> int:
    if args.command == "migrate":
        applied = registry.migrate(conn)
        for migration in applied:
            print(f"applied {migration.version:04d}_{migration.name}")
        if not applied:
            print("up to date")
        return 0
    if args.command == "register":
        return _register(conn, args, _store(settings))
    if args.command in ("show", "evaluate"):
        return (_show if args.command == "show" else _evaluate)(conn, args, settings)
    if args.command in ("list", "compare"):
        return (_list if args.command == "list" else _compare)(conn, args)
    return _change(conn, args)


def _connected(args: argparse.Namespace, settings: ModelsSettings) -> int:
    if args.command in ("retrain", "webhook"):  # their own connections, as long as needed
        return (_retrain if args.command == "retrain" else _webhook)(args, settings)
    with connect_waiting(settings, "fraud-models", getattr(args, "wait_s", 0.0)) as conn:
        return _run(conn, args, settings)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = load_settings(ModelsSettings, "fraud-models")
    if settings is None:
        return EXIT_INVALID_CONFIGURATION
    try:
        return _connected(args, settings)
    except registry.UnknownVersionError as error:
        print(f"fraud-models {args.command}: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    except (registry.RegistryError, WindowError, DecisionLogDataError) as error:
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
    promote.add_argument("--force", action="store_true",
                         help="past a failed gate (recorded with who and why)")  # fmt: skip
    retire = commands.add_parser("retire", help="take a candidate or the challenger out of use")
    retire.add_argument("version")
    back = commands.add_parser("rollback", help="the previous champion becomes champion again")
    back.add_argument("--to", metavar="VERSION", help="this version instead of the previous one")
    versus = commands.add_parser("compare", help="champion against challenger, live")
    versus.add_argument("--days", type=int, default=7, help="the log's latest N days")
    versus.add_argument("--json", action="store_true", help="as JSON")
    judge = commands.add_parser("evaluate", help="a version against the champion: the gate")
    judge.add_argument("version")
    judge.add_argument("--window", metavar="FROM..TO", help="UTC days, both included")
    judge.add_argument("--replicates", type=int, default=1000, help="bootstrap replicates")
    judge.add_argument("--json", action="store_true", help="as JSON")
    again = commands.add_parser("retrain", help="train from the log, evaluate, challenger")
    again.add_argument("--trigger", default="schedule", help="why: kept in the history")
    hook = commands.add_parser("webhook", help="Alertmanager receiver: drift -> retrain")
    for command in (judge, again, hook):
        command.add_argument("--days", type=int, default=7, help="evaluation window: days")
        command.add_argument(
            "--label-wait-days", type=int, default=8,
            help="the window ends this many days before the newest decision",
        )  # fmt: skip
    for command in (add, promote, retire, back):
        command.add_argument("--reason", required=True, help="why: kept in the history")
    for command in (add, promote, retire, back, judge, again, hook):
        command.add_argument("--actor", default=_actor(), help="who (default: your user name)")
    return top


if __name__ == "__main__":
    sys.exit(main())
