"""``fraud-train lifecycle``: the loop run once, reports/lifecycle.{json,md} out."""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from pathlib import Path

from fraud_training.gate.evaluate import clean
from fraud_training.lifecycle import report
from fraud_training.lifecycle.plan import LifecyclePlan

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    loop = commands.add_parser(
        "lifecycle", help="champion, live, shift, drift, retrain, gate, shadow, promote"
    )
    defaults = LifecyclePlan()
    loop.add_argument("--speed", type=float, default=defaults.speed, help="simulated s per s")
    loop.add_argument("--live-days", type=int, default=defaults.live_days)
    loop.add_argument("--out", type=Path, default=Path("reports"))
    loop.add_argument("--cache", type=Path, default=Path("data/cache"), help="feature cache")
    loop.set_defaults(run=_lifecycle)


def _lifecycle(args: argparse.Namespace) -> int:
    # Here, not above: the run starts local servers (fraud-training[live]), the parser needs none.
    from fraud_training.lifecycle.run import run_lifecycle  # noqa: PLC0415

    plan = LifecyclePlan(speed=args.speed, live_days=args.live_days)
    load = os.getloadavg()[1]
    with tempfile.TemporaryDirectory(prefix="fraud-lifecycle-") as work:
        result = report.stamp(clean(run_lifecycle(plan, Path(work), args.cache)), load)
    report.write(result, args.out)
    met = all(check["ok"] for check in result["acceptance"].values())
    log.info("lifecycle written to %s: acceptance %s", args.out, "met" if met else "NOT met")
    return 0 if met else 1
