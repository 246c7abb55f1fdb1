"""``fraud-rules``: rules as data from the command line.

fraud-rules validate 'EXPR'          exit 0 when the expression compiles, else 1 with the error
                                     pointed at (line, column, caret)
fraud-rules validate --file FILE     every rule of a rules file (YAML or JSON)
fraud-rules list [--file FILE] [--json]
                                     the rules of FILE, else those in the database (every
                                     version; with DATABASE_URL), else the baseline (R01-R04),
                                     by priority, with status, action and expression
fraud-rules apply FILE [--actor WHO] every rule of FILE into the database, all or nothing:
                                     new versions written, statuses changed, each audited
fraud-rules activate|shadow|retire|draft RULE VERSION [--actor WHO]
                                     one version's status (activating or shadowing a version
                                     retires the one that held that status)
fraud-rules history [RULE]           who changed which rule when, before and after
fraud-rules compare [--days N] [--json]
                                     each version that ran in shadow against the live policy,
                                     from the decision log: how often it would have fired, its
                                     overlap with the model's alerts and the active rules, the
                                     alerts it would add, its precision on labelled payments
                                     (promote one with `activate RULE VERSION`)
fraud-rules backtest (EXPR | --rule RULE [--version N] | --active) [--from T --to T | --days 7]
                                     the rule(s) over a window of the decision log: hits,
                                     precision, fraud amount caught, genuine cards hit, overlap
                                     with the model's alerts and the other rules [--json]
fraud-rules bench [--rules 4 10 100] [--batch 1 64 512]
                                     the engine's cost in microseconds per payment
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from fraud_rules import backtest, database
from fraud_rules.bench import bench, table
from fraud_rules.files import RulesFileError, read_rules, rules_document
from fraudcore.rules import BASELINE_RULES, RuleDefinition, RuleError, Status, compile_condition

EXIT_INVALID = 1
STATUS_COMMANDS = {
    "activate": Status.ACTIVE,
    "shadow": Status.SHADOW,
    "retire": Status.RETIRED,
    "draft": Status.DRAFT,
}


def _validate(expression: str | None, path: Path | None) -> int:
    if path is not None:
        try:
            definitions = read_rules(path)
        except RulesFileError as error:
            print(error, file=sys.stderr)
            return EXIT_INVALID
        print(f"valid: {len(definitions)} rules in {path}")
        return 0
    try:
        compile_condition(expression or "")
    except RuleError as error:
        print(f"invalid rule: {error}", file=sys.stderr)
        return EXIT_INVALID
    print("valid")
    return 0


def _list(path: Path | None, as_json: bool) -> int:
    try:
        definitions = read_rules(path) if path is not None else list(BASELINE_RULES)
    except RulesFileError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    if path is None and os.environ.get("DATABASE_URL"):
        found = database.stored()
        if found is None:
            return database.EXIT_UNAVAILABLE
        at, definitions = found
        print(f"rules revision {at}" + (" (the built-in baseline)" if at == 0 else ""),
              file=sys.stderr)  # fmt: skip
    ordered = sorted(definitions, key=lambda rule: (-rule.priority, rule.id, rule.version))
    if as_json:
        print(json.dumps(rules_document(ordered), indent=2))
        return 0
    for rule in ordered:
        print(_line(rule))
    return 0


def _line(rule: RuleDefinition) -> str:
    expression = " ".join(rule.expression.split())
    head = f"{rule.id} v{rule.version}  {rule.status.value:<7} {rule.action.value:<6}"
    return f"{head} priority {rule.priority:<4} {expression}  # {rule.reason}"


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of days, 1 or more")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fraud-rules", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check an expression or a rules file")
    validate.add_argument("expression", nargs="?", help="a rule expression")
    validate.add_argument("--file", type=Path, help="a rules file (YAML or JSON)")
    listing = commands.add_parser("list", help="the rules of a file, or the baseline")
    listing.add_argument("--file", type=Path, help="a rules file (YAML or JSON)")
    listing.add_argument("--json", action="store_true", help="as a rules document")
    applying = commands.add_parser("apply", help="a rules file into the database")
    applying.add_argument("file", type=Path, help="a rules file (YAML or JSON)")
    applying.add_argument("--actor", help="who the audit names (default: this account)")
    for command, status in STATUS_COMMANDS.items():
        change = commands.add_parser(command, help=f"one rule version to {status.value}")
        change.add_argument("rule", help="the rule id")
        change.add_argument("version", type=int)
        change.add_argument("--actor", help="who the audit names (default: this account)")
    trail = commands.add_parser("history", help="the audited changes (of one rule)")
    trail.add_argument("rule", nargs="?", help="the rule id")
    versus = commands.add_parser("compare", help="shadow rules against the live policy")
    versus.add_argument("--days", type=_days, default=1, help="of event time, to the log's last")
    versus.add_argument("--json", action="store_true")
    backtest.add_parser(commands)
    measure = commands.add_parser("bench", help="us per payment for N rules and batch sizes")
    measure.add_argument("--rules", type=int, nargs="+", default=[4, 10, 100])
    measure.add_argument("--batch", type=int, nargs="+", default=[1, 64, 512])
    return parser


def _in_database(args: argparse.Namespace) -> int:
    if args.command == "apply":
        return database.apply_file(args.file, database.actor(args.actor))
    if args.command == "history":
        return database.show_history(args.rule)
    if args.command == "compare":
        return database.compare_shadows(args.days, args.json)
    status = STATUS_COMMANDS[args.command]
    return database.set_status(args.rule, args.version, status, database.actor(args.actor))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "validate":
        if (args.expression is None) == (args.file is None):
            print("validate takes an expression or --file, one of them", file=sys.stderr)
            return 2
        return _validate(args.expression, args.file)
    if args.command == "list":
        return _list(args.file, args.json)
    if args.command == "backtest":
        return backtest.run(args)
    if args.command in ("apply", "history", "compare", *STATUS_COMMANDS):
        return _in_database(args)
    print(table(bench(tuple(args.rules), tuple(args.batch))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
