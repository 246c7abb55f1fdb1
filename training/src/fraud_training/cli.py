"""``fraud-train``: EDA, training and benchmark protocols.

fraud-train benchmark handbook [--data FILE] [--out reports/handbook_benchmark.json]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from fraud_training.handbook.command import benchmark


def _benchmark_handbook(args: argparse.Namespace) -> int:
    benchmark(args.data, args.out, seed=args.seed, n_jobs=args.jobs, tree_method=args.tree_method)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fraud-train",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    benchmark = commands.add_parser("benchmark", help="published-benchmark replications")
    protocols = benchmark.add_subparsers(dest="protocol", required=True)
    handbook = protocols.add_parser("handbook", help="the handbook's table on its simulated data")
    handbook.add_argument("--data", type=Path, help="CSV or Parquet; default: simulate it")
    handbook.add_argument("--out", type=Path, default=Path("reports/handbook_benchmark.json"))
    handbook.add_argument("--seed", type=int, default=0, help="simulator seed without --data")
    handbook.add_argument("--jobs", type=int, default=2, help="threads per model fit")
    handbook.add_argument(
        "--tree-method",
        choices=["exact", "hist"],
        default="exact",
        help="XGBoost trees: exact (as the handbook's XGBoost 1.x) or hist with 4096 bins (fast)",
    )
    handbook.set_defaults(run=_benchmark_handbook)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
