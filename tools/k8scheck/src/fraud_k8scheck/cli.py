"""``fraud-k8scheck``: sync the chart copies, or check that they are in sync."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fraud_k8scheck import sync
from fraud_k8scheck.components import repo_root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fraud-k8scheck", description=__doc__)
    parser.add_argument("command", choices=["sync", "check-sync"])
    parser.add_argument("--root", type=Path, default=None, help="repository root")
    args = parser.parse_args(argv)
    root = args.root or repo_root()
    if args.command == "sync":
        for path in sync.sync(root):
            print(f"updated {path.relative_to(root)}")
        return 0
    stale = sync.drift(root)
    for path in stale:
        print(f"out of sync: {path.relative_to(root)} (run make k8s-sync)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
