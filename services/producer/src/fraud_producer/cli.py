"""``fraud-producer``: historical datasets and live transaction streams.

fraud-producer dataset --days N --out FILE [--mode world|handbook] [--seed S]
fraud-producer stream --rate R [--count N | --duration S] [--seed S] [--poison-rate P]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from fraud_producer.settings import ProducerSettings
from fraud_producer.stream import StreamFailedError, StreamPlan, TransactionStream
from fraud_simulator.dataset import DatasetSpec, generate, write
from fraudcore.startup import configure_logging
from fraudcore.worker import serve_worker_probes, stop_on_signals


def _dataset(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    table = generate(
        DatasetSpec(days=args.days, seed=args.seed, mode=args.mode, customers=args.customers)
    )
    write(table, args.out)
    elapsed = time.perf_counter() - began
    print(
        f"{len(table):,} transactions over {args.days} days written to {args.out} "
        f"in {elapsed:.1f} s ({len(table) / elapsed:,.0f} tx/s)"
    )
    return 0


def _stream(args: argparse.Namespace) -> int:
    stop = stop_on_signals()  # first: a SIGTERM during start-up must stop cleanly too
    settings = ProducerSettings()
    plan = StreamPlan(
        rate_tps=args.rate or settings.producer_rate_tps,
        count=args.count,
        duration_s=args.duration,
        seed=settings.producer_seed if args.seed is None else args.seed,
        customers=args.customers or settings.producer_customers,
        label_delay_s=(
            settings.producer_label_delay_s if args.label_delay is None else args.label_delay
        ),
        poison_rate=settings.producer_poison_rate if args.poison_rate is None else args.poison_rate,
        send_labels=not args.no_labels,
        **({"run_id": args.run_id} if args.run_id else {}),
    )
    stream = TransactionStream(settings, plan)
    topics = (settings.topic_transactions, settings.topic_labels)
    serve_worker_probes(settings, settings, topics, stream.readiness, stop)
    try:
        report = stream.run(stop)
    except StreamFailedError as error:
        logging.getLogger("fraud_producer").error("stopping, retrying cannot help: %s", error)
        return 3
    print(report.to_json(), flush=True)
    return 1 if report.delivery_errors else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fraud-producer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    dataset = commands.add_parser("dataset", help="write a historical dataset (Parquet or CSV)")
    dataset.add_argument("--days", type=int, required=True)
    dataset.add_argument("--out", type=Path, required=True, help="*.parquet or *.csv")
    dataset.add_argument("--mode", choices=["world", "handbook"], default="world")
    dataset.add_argument("--seed", type=int, default=42)
    dataset.add_argument("--customers", type=int, default=10_000, help="world mode only")
    dataset.set_defaults(run=_dataset)

    stream = commands.add_parser("stream", help="send live transactions to Kafka")
    stream.add_argument("--rate", type=float, help="transactions per second (PRODUCER_RATE_TPS)")
    limit = stream.add_mutually_exclusive_group()
    limit.add_argument("--count", type=int, help="stop after this many transactions")
    limit.add_argument("--duration", type=float, help="stop after this many seconds")
    stream.add_argument("--seed", type=int)
    stream.add_argument("--customers", type=int)
    stream.add_argument("--label-delay", type=float, help="seconds until ground truth is sent")
    stream.add_argument("--poison-rate", type=float, help="share of extra malformed messages")
    stream.add_argument("--no-labels", action="store_true", help="send no ground truth")
    stream.add_argument("--run-id", help="prefix of transaction ids (default: random)")
    stream.set_defaults(run=_stream)
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_logging()
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
