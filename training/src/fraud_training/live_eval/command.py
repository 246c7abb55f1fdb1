"""``fraud-train live-eval``: arguments in, reports/live_eval.{json,md} out."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from fraud_training.live_eval import report
from fraud_training.live_eval.plan import LivePlan

log = logging.getLogger(__name__)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    live = commands.add_parser(
        "live-eval", help="the real pipeline on the world's clock, against the model card"
    )
    defaults = LivePlan()
    live.add_argument("--days", type=float, default=defaults.days, help="simulated live days")
    live.add_argument("--speed", type=float, default=defaults.speed, help="simulated s per s")
    live.add_argument("--history-days", type=int, default=defaults.history_days)
    live.add_argument("--mode", choices=["remote", "embedded"], default=defaults.scoring_mode)
    live.add_argument(
        "--label-tail-speed",
        type=float,
        default=defaults.label_tail_speed,
        help="after the last payment, labels only at this speed until every one has been sent",
    )
    live.add_argument("--model-dir", type=Path, default=Path("training/artifacts"))
    live.add_argument("--out", type=Path, default=Path("reports"))
    live.add_argument(
        "--cache", type=Path, default=Path("data/cache"), help="offline feature matrices"
    )
    live.add_argument(
        "--before-seconds",
        type=float,
        default=120.0,
        help="also run the old live traffic (steady rate, cold cards) this long; 0: skip",
    )
    live.set_defaults(run=_live_eval)


def _live_eval(args: argparse.Namespace) -> int:
    # Here, not above: the run starts local servers (fraud-training[live]), the parser needs none.
    from fraud_training.live_eval.evaluate import evaluate  # noqa: PLC0415

    plan = LivePlan(
        days=args.days,
        speed=args.speed,
        history_days=args.history_days,
        scoring_mode=args.mode,
        label_tail_speed=args.label_tail_speed,
    )
    result = evaluate(plan, args.model_dir, args.cache, args.before_seconds)
    report.write(result, args.out)
    met = all(check["ok"] for check in result["acceptance"].values())
    log.info("live evaluation written to %s: acceptance %s", args.out, "met" if met else "NOT met")
    return 0 if met else 1
