"""``fraud-k8se2e``: the platform on a real single-node cluster, end to end (make k8s-e2e).

fraud-k8se2e run [--quick] [--out FILE] [--dir D]   build, start, install, run every case,
                 [--reuse-images TAG]               tear down; the report in FILE (exit 1 if
                                                    any rule failed)
fraud-k8se2e clean [--dir D]                        remove what an interrupted run left
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fraud_k8sapi.node.cluster import clean, take_lock
from fraud_k8se2e import report
from fraud_k8se2e.platform import Sizes
from fraud_k8se2e.run import execute


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fraud-k8se2e", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="the whole end-to-end run")
    run.add_argument("--quick", action="store_true", help="fewer payments per case (CI)")
    run.add_argument("--out", type=Path, default=Path("reports/k8s_e2e.json"))
    run.add_argument(
        "--reuse-images",
        metavar="TAG",
        help="import localhost/fraud-<service>:TAG that build-images.sh just made from this "
        "checkout (CI: containers-check's) instead of building them again",
    )
    clean_cmd = commands.add_parser("clean", help="remove an interrupted run's leftovers")
    for command in (run, clean_cmd):
        command.add_argument("--dir", type=Path, default=Path(".devstack/k8s-e2e"))
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print(
            "fraud-k8se2e needs root: the node's bridge, iptables rules and mounts", file=sys.stderr
        )
        return 2
    if args.command == "clean":
        with take_lock():
            left = clean(args.dir / "node")
        print(f"left: {left}")
        return 0 if not any(left.values()) else 1
    sizes = Sizes.quick() if args.quick else Sizes.full()
    result = execute(args.dir, sizes, reuse_images=args.reuse_images)
    rendered = report.write(result, args.out)
    print(f"report: {args.out} and {rendered}")
    for problem in result["problems"]:
        print(f"  PROBLEM: {problem}")
    print("k8s-e2e passed" if result["passed"] else "k8s-e2e FAILED")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
