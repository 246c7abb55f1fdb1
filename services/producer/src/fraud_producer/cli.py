"""``fraud-producer``: historical datasets, history exports and live transaction streams.

fraud-producer dataset --days N --out FILE [--mode world|handbook] [--seed S]
fraud-producer history [--days N] --out FILE.jsonl.gz     the warm start's input (world pace)
fraud-producer stream [--rate R | --speed X] [--count N | --duration S | --days D] [--pace P]
                      [--label-tail-speed X]       after --days: the labels still owed, at X
                      [--shift spending [--shift-after-hours H]]   world: drift from then on
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from pathlib import Path
from typing import TypeVar

from fraud_producer.history import write_world_history
from fraud_producer.settings import ProducerSettings, WorldSettings
from fraud_producer.stream import TransactionStream
from fraud_producer.stream_plan import StreamFailedError, StreamPlan
from fraud_producer.world_feed import WorldSpec
from fraud_simulator.dataset import DatasetSpec, generate, write
from fraud_simulator.shift import SHIFT_KINDS
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


T = TypeVar("T")


def _flag_or(flag: T | None, setting: T) -> T:
    """The command-line flag when given, else the environment's setting."""
    return setting if flag is None else flag


def _world(args: argparse.Namespace, settings: WorldSettings) -> WorldSpec:
    return WorldSpec(
        seed=_flag_or(args.seed, settings.producer_seed),
        customers=_flag_or(args.customers, settings.producer_customers),
        start=_flag_or(args.world_start, settings.producer_world_start),
        history_days=_flag_or(args.history_days, settings.producer_history_days),
        run_id=args.run_id,
    )


def _history(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    spec = _world(args, WorldSettings())
    if not args.out.name.endswith((".jsonl", ".jsonl.gz")):
        print(f"fraud-producer history: {args.out} is not *.jsonl or *.jsonl.gz", file=sys.stderr)
        return 2
    rows = write_world_history(spec, args.out)
    print(
        f"{rows:,} transactions before {spec.cutoff:%Y-%m-%d} ({spec.history_days} days) "
        f"written to {args.out} in {time.perf_counter() - began:.1f} s"
    )
    return 0


def stream_plan(args: argparse.Namespace, settings: ProducerSettings) -> StreamPlan:
    """The flags win over the settings; a deployment's world speed (PRODUCER_SPEED, set by the
    charts) does not stop a steady-pace load test run in the same pod by flag."""
    world = _world(args, settings)
    pace = _flag_or(args.pace, settings.producer_pace)
    return StreamPlan(
        rate_tps=args.rate or settings.producer_rate_tps,
        count=args.count,
        duration_s=args.duration,
        seed=world.seed,
        customers=world.customers,
        label_delay_s=_flag_or(args.label_delay, settings.producer_label_delay_s),
        poison_rate=_flag_or(args.poison_rate, settings.producer_poison_rate),
        send_labels=not args.no_labels,
        run_id=args.run_id,
        pace=pace,
        speed=_flag_or(args.speed, settings.producer_speed if pace == "world" else None),
        history_days=world.history_days,
        world_start=world.start,
        days=args.days,
        label_tail_speed=args.label_tail_speed,
        shift=_flag_or(args.shift, settings.producer_shift),
        shift_after_h=_flag_or(args.shift_after_hours, settings.producer_shift_after_h),
        shift_share=_flag_or(args.shift_share, settings.producer_shift_share),
        shift_factor=_flag_or(args.shift_factor, settings.producer_shift_factor),
    )


def _stream(args: argparse.Namespace) -> int:
    stop = stop_on_signals()  # first: a SIGTERM during start-up must stop cleanly too
    settings = ProducerSettings()
    try:
        plan = stream_plan(args, settings)
    except ValueError as error:
        print(f"fraud-producer stream: {error}", file=sys.stderr)
        return 2
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


def _world_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--seed", type=int, help="PRODUCER_SEED (42)")
    command.add_argument("--customers", type=int, help="PRODUCER_CUSTOMERS (10,000)")
    command.add_argument("--world-start", type=dt.date.fromisoformat, help="PRODUCER_WORLD_START")
    command.add_argument("--run-id", help="transaction ids tx-<run-id>-<n> (default: the seed)")


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

    history = commands.add_parser("history", help="the world's first days as a history export")
    history.add_argument("--days", dest="history_days", type=int, help="PRODUCER_HISTORY_DAYS (56)")
    history.add_argument("--out", type=Path, required=True, help="*.jsonl or *.jsonl.gz")
    _world_arguments(history)
    history.set_defaults(run=_history)

    stream = commands.add_parser("stream", help="send live transactions to Kafka")
    stream.add_argument("--pace", choices=["world", "steady"], help="PRODUCER_PACE (world)")
    stream.add_argument("--rate", type=float, help="transactions per second (PRODUCER_RATE_TPS)")
    stream.add_argument("--speed", type=float, help="world: simulated s per real s")
    stream.add_argument("--history-days", type=int, help="world: live traffic starts on this day")
    limit = stream.add_mutually_exclusive_group()
    limit.add_argument("--count", type=int, help="stop after this many transactions")
    limit.add_argument("--duration", type=float, help="stop after this many seconds")
    limit.add_argument("--days", type=float, help="world: stop after this many simulated days")
    stream.add_argument("--label-delay", type=float, help="steady: seconds until ground truth")
    stream.add_argument(
        "--label-tail-speed",
        type=float,
        help="world, with --days: then labels only, at this speed, until every owed one is sent",
    )
    stream.add_argument("--poison-rate", type=float, help="share of extra malformed messages")
    stream.add_argument("--no-labels", action="store_true", help="send no ground truth")
    stream.add_argument(
        "--shift", choices=SHIFT_KINDS, help="world: change the world (PRODUCER_SHIFT)"
    )
    stream.add_argument(
        "--shift-after-hours", type=float, help="simulated hours after the live start"
    )
    stream.add_argument("--shift-share", type=float, help="share of customers the shift changes")
    stream.add_argument("--shift-factor", type=float, help="spending: their amounts times this")
    _world_arguments(stream)
    stream.set_defaults(run=_stream)
    return parser


def main(argv: list[str] | None = None) -> int:
    configure_logging()
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
