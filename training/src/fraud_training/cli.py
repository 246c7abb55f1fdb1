"""``fraud-train``: EDA, training and benchmark protocols.

fraud-train eda --data FILE [--out reports/eda]
fraud-train train --data FILE [--artifacts training/artifacts] [--reports reports/training]
fraud-train train --from-decision-log [--artifacts DIR] [--reports DIR]
    the same training on the decision log's labelled decisions (DATABASE_URL): features as
    served, labels as joined; the exported rows are kept in the reports directory
fraud-train drift-reference --data FILE [--model-dir training/artifacts]
    the score's and every feature's histogram on the data's test week, into the model card
    (drift_reference), against which live drift is measured
fraud-train benchmark handbook [--data FILE] [--out reports/handbook_benchmark.json]
fraud-train live-eval [--days 14] [--speed 1440] [--out reports]
fraud-train lifecycle [--speed 8640] [--out reports]
    champion, live on the world's clock, a shift, the drift alert, retrain from the decision
    log, the gate, shadow, promotion: reports/lifecycle.{json,md}
fraud-train ablate --data FILE [FILE ...] [--out reports] [--variants NAME ...]
    what candidate features add to the model's inputs on quick protocols, paired intervals
fraud-train misses --data FILE [FILE ...] [--out reports]
    what the model's inputs miss at the review budget: category anomalies by position in their
    incident and by the card's habits, skimmed terminals with the budget freed of the weak ones
fraud-train evaluate --data FILE [--model-dir training/artifacts] [--out reports]
    the committed model's test week again with bootstrap intervals: the deployed policy beside
    the model and the rules, detection per incident, costs over thresholds
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import psycopg

from fraud_training.ablation import command as ablation
from fraud_training.ablation import misses
from fraud_training.drift_reference import ReferenceDataError, build_reference, write_reference
from fraud_training.eda.command import eda
from fraud_training.from_log import DecisionLogDataError, DecisionLogSource, train_from_log
from fraud_training.handbook import seeds as handbook_seeds
from fraud_training.handbook.benchmark import HANDBOOK_FOLDS
from fraud_training.handbook.command import benchmark
from fraud_training.lifecycle import command as lifecycle
from fraud_training.live_eval import command as live_eval
from fraud_training.offline_eval import command as offline_eval
from fraud_training.train import train
from fraudcore.startup import EXIT_INVALID_CONFIGURATION, configure_logging, load_settings

EXIT_FAILED = 1


def _at_least_two(value: str) -> int:
    folds = int(value)
    if folds < 2:  # a standard deviation needs two
        raise argparse.ArgumentTypeError(f"{folds} fold(s): at least 2 give a standard deviation")
    return folds


def _benchmark_handbook(args: argparse.Namespace) -> int:
    benchmark(
        args.data,
        args.out,
        seed=args.seed,
        n_jobs=args.jobs,
        tree_method=args.tree_method,
        folds=args.folds,
    )
    return 0


def _eda(args: argparse.Namespace) -> int:
    eda(args.data, args.out, args.cache)
    return 0


def _drift_reference(args: argparse.Namespace) -> int:
    try:
        reference = build_reference(args.data, args.model_dir, args.cache)
        write_reference(args.model_dir, reference)
    except (ReferenceDataError, OSError, ValueError) as error:
        print(f"fraud-train drift-reference: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"drift reference of {reference.model_version} ({reference.rows:,} rows) written to "
          f"{args.model_dir}")  # fmt: skip
    return 0


def _train(args: argparse.Namespace) -> int:
    if args.from_decision_log:
        settings = load_settings(DecisionLogSource, "fraud-train")
        if settings is None:
            return EXIT_INVALID_CONFIGURATION
        try:
            result = train_from_log(settings, args.artifacts, args.reports)
        except (psycopg.Error, DecisionLogDataError, ValueError) as error:
            print(f"fraud-train train --from-decision-log: {error}", file=sys.stderr)
            return EXIT_FAILED
    else:
        result = train(args.data, args.artifacts, args.reports, args.cache)
    args.timings.parent.mkdir(parents=True, exist_ok=True)
    args.timings.write_text(json.dumps(result["timings"], indent=2) + "\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fraud-train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("eda", help="exploratory report on a world dataset")
    report.add_argument("--data", type=Path, required=True, help="world dataset, Parquet or CSV")
    report.add_argument("--out", type=Path, default=Path("reports/eda"))
    report.add_argument("--cache", type=Path, default=Path("data/cache"), help="feature cache")
    report.set_defaults(run=_eda)

    fit = commands.add_parser("train", help="train, evaluate and export the model")
    source = fit.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="world dataset, Parquet or CSV")
    source.add_argument(
        "--from-decision-log",
        action="store_true",
        help="the decision log's labelled decisions (DATABASE_URL): features as served",
    )
    fit.add_argument("--artifacts", type=Path, default=Path("training/artifacts"))
    fit.add_argument("--reports", type=Path, default=Path("reports/training"))
    fit.add_argument("--cache", type=Path, default=Path("data/cache"), help="feature cache")
    fit.add_argument(
        "--timings",
        type=Path,
        default=Path("reports/tmp/train_timings.json"),
        help="wall-clock timings (kept out of the reproducible artifacts)",
    )
    fit.set_defaults(run=_train)

    drift = commands.add_parser("drift-reference", help="the card's training reference for drift")
    drift.add_argument("--data", type=Path, required=True, help="the model's world dataset")
    drift.add_argument("--model-dir", type=Path, default=Path("training/artifacts"))
    drift.add_argument("--cache", type=Path, default=Path("data/cache"), help="feature cache")
    drift.set_defaults(run=_drift_reference)

    benchmark = commands.add_parser("benchmark", help="published-benchmark replications")
    protocols = benchmark.add_subparsers(dest="protocol", required=True)
    handbook = protocols.add_parser("handbook", help="the handbook's table on its simulated data")
    handbook.add_argument(
        "--data",
        type=Path,
        help="CSV or Parquet, or the handbook's own published data: a directory of its daily "
        ".pkl files (trusted input only: pickles run code); default: simulate it",
    )
    handbook.add_argument("--out", type=Path, default=Path("reports/handbook_benchmark.json"))
    handbook.add_argument("--seed", type=int, default=0, help="simulator seed without --data")
    handbook.add_argument("--jobs", type=int, default=2, help="threads per model fit")
    handbook.add_argument(
        "--tree-method",
        choices=["exact", "hist"],
        default="hist",
        help="XGBoost trees: hist with 4096 bins (default, ~10x faster) or exact (as the "
        "handbook's XGBoost 1.5 chose; the report's diagnostics score the other one)",
    )
    handbook.add_argument(
        "--folds",
        type=_at_least_two,
        default=HANDBOOK_FOLDS,
        help=f"prequential folds per split (default {HANDBOOK_FOLDS}, the handbook's; 2 for a "
        "quicker look, the fewest that give a standard deviation)",
    )
    handbook.set_defaults(run=_benchmark_handbook)
    handbook_seeds.add_parser(protocols, _at_least_two)
    live_eval.add_parser(commands)
    lifecycle.add_parser(commands)
    offline_eval.add_parser(commands)
    ablation.add_parser(commands)
    misses.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_logging()
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
