"""``fraud-bench [--quick]``: the whole benchmark in one run on this machine; writes
reports/bench.json, reports/bench.md and reports/bench_latency.png. ``fraud-bench sections
decision_log transactions [--quick]``: those sections alone, written into the existing report;
``fraud-bench pipeline [--quick]``: the headline alone (floors, modes, scorer API), likewise.
``fraud-bench profile --mode M --rate R --seconds S``: one consumer's CPU per payment at a fixed
rate and its py-spy flame graph, under reports/profiles/. ``fraud-bench features --days D``:
the feature code's own CPU per payment on a simulated world. ``fraud-bench batch-cost``: the
consumer's CPU per batch at batch sizes 1, 4, 16, 64 in process, by stage."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from fraud_bench import batch_cost, feature_cost, headline, log_size, profile, report, sections
from fraud_bench.servers import servers
from fraud_bench.soak import soak
from fraud_bench.variants import FULL, QUICK
from fraud_simulator.dataset import DatasetSpec
from fraudcore.settings import KafkaSettings


def run(quick: bool, model_dir: Path, out: Path) -> dict[str, Any]:
    with servers("fraud-bench-") as (work, broker, redis_server):
        result = headline.measure(quick, model_dir, work, broker, redis_server)
        result.update(
            sections.measure(
                list(sections.SECTIONS), QUICK if quick else FULL,
                settings=KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers),
                redis_url=redis_server.url, model_dir=model_dir, work=work,
            )
        )  # fmt: skip
    report.write(result, out)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fraud-bench", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        choices=[
            "run",
            "pipeline",
            "soak",
            "log-size",
            "sections",
            "profile",
            "features",
            "batch-cost",
        ],
        default="run",
    )
    parser.add_argument(
        "names", nargs="*", metavar="SECTION",
        help=f"sections: which ({', '.join(sections.SECTIONS)}; default all)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="short windows (under 3 minutes)")
    parser.add_argument("--model-dir", type=Path, default=Path("training/artifacts"))
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument(
        "--rate", type=int, default=2_000, help="soak, profile: transactions per second"
    )
    parser.add_argument("--mode", default="embedded", help="profile: the consumer's scoring mode")
    parser.add_argument("--seconds", type=float, default=60.0, help="profile: the window")
    parser.add_argument(
        "--no-flamegraph", action="store_true", help="profile: CPU per payment only, no py-spy"
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="soak: duration")
    parser.add_argument("--days", type=int, default=7, help="log-size, features: simulated days")
    parser.add_argument(
        "--customers", type=int, default=2_000, help="log-size, features: world size"
    )
    parser.add_argument("--repeats", type=int, default=5, help="batch-cost: repeats per size")
    parser.add_argument(
        "--evict-mb", type=float, default=batch_cost.EVICT_MB,
        help="batch-cost: MB read between batches (0: caches left warm)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="batch-cost: the figures as JSON")
    args = parser.parse_args(argv)
    known = sections.SECTIONS if args.command == "sections" else {}
    if unknown := [name for name in args.names if name not in known]:
        parser.error(f"unknown section(s) {unknown}: sections are {list(sections.SECTIONS)}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    began = time.monotonic()
    if args.command == "soak":
        warmup = min(2.0, args.minutes / 5)  # memory is compared from the end of warm-up on
        outcome = soak(args.model_dir, args.out, args.rate, args.minutes, warmup_min=warmup)
        print(json.dumps({k: v for k, v in outcome.items() if k != "samples"}, indent=2))
        lost = outcome["produced"] - outcome["scored"]
        flat = all(growth < 0.10 for growth in outcome["rss_growth_after_warmup"].values())
        return 0 if lost == 0 and flat else 1
    if args.command == "features":
        print(json.dumps(feature_cost.measure(args.days, args.customers), indent=2))
        return 0
    if args.command == "batch-cost":
        costs = batch_cost.measure(args.model_dir, repeats=args.repeats, evict_mb=args.evict_mb)
        print(json.dumps(costs, indent=2) if args.json else batch_cost.table(costs))
        return 0
    if args.command == "profile":
        figures = profile.profile(
            args.model_dir, args.out / "profiles", mode=args.mode, rate=args.rate,
            seconds=args.seconds, flamegraph=not args.no_flamegraph,
        )  # fmt: skip
        print(json.dumps(figures, indent=2))
        return 0 if figures["scored"] == figures["produced"] else 1
    if args.command == "log-size":
        spec = DatasetSpec(days=args.days, customers=args.customers, seed=7)
        sized = log_size.measure(args.model_dir, spec)
        print(json.dumps(sized, indent=2))
        print(f"written to {log_size.write(sized, args.out)}")
        return 0
    if args.command == "sections":
        result = sections.run(
            args.names or list(sections.SECTIONS), args.quick, args.model_dir, args.out
        )
    elif args.command == "pipeline":
        result = headline.run(args.quick, args.model_dir, args.out)
    else:
        result = run(args.quick, args.model_dir, args.out)
    print(f"benchmark done in {time.monotonic() - began:.0f} s: {args.out / 'bench.md'}")
    for target in result["targets"]:
        print(f"  {'met ' if target['met'] else 'MISS'} {target['target']}: {target['measured']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
