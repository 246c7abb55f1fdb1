"""``fraud-monitoring``: regenerate or check the monitoring files; serve sample metrics."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fraud_monitoring import generate
from fraud_monitoring.contract import JOBS
from fraud_monitoring.sample_exporter import SampleTraffic


def _generate(args: argparse.Namespace) -> int:
    root: Path = args.root
    if args.check:
        stale = generate.stale(root)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("run `make monitoring` and commit the result", file=sys.stderr)
        return 1 if stale else 0
    for path in generate.write_all(root):
        print(f"wrote {path}")
    return 0


def _sample_exporter(args: argparse.Namespace) -> int:
    traffic = SampleTraffic()
    ports = {job.name: job.port for job in JOBS}
    traffic.serve(ports, host=args.host)
    for job in JOBS:
        print(f"{job.name}: http://{args.host}:{job.port}{job.path}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        traffic.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fraud-monitoring", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="write every generated monitoring file")
    gen.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    gen.add_argument("--check", action="store_true", help="only report files that differ")
    gen.set_defaults(run=_generate)
    sample = commands.add_parser(
        "sample-exporter",
        help="serve plausible values for every metric on each service's default port",
    )
    sample.add_argument("--host", default="127.0.0.1")
    sample.set_defaults(run=_sample_exporter)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
