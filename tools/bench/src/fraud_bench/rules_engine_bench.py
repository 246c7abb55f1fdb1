"""``python -m fraud_bench.rules_engine_bench``: the rules engine alone, CPU microseconds per
payment deciding batches of a simulated world with 0, 10 and 100 active rules (the rules and
counts of the bench's ``rules`` section, ``fraud_bench.rule_count``), two ways in the same run:
the set as the consumer and the scorer run it (compiled as a whole, or payment by payment for a
batch under ``engine.SCALAR_WORK`` rules x payments) and its rules evaluated one at a time (each
its own tree of numpy calls, as before the set was compiled whole). A
measurement for the README and the issue, not a test; the load average says what it ran beside.
Issue: at most 8 us per payment at batch 64 with 100 rules."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from fraud_bench.rule_count import BATCH, COUNTS
from fraud_bench.stats import load_average
from fraud_rules.bench import rule_set, us_per_payment, world
from fraudcore.rules import CompiledRule, RuleSet


def one_at_a_time(rules: RuleSet) -> RuleSet:
    """The same rules, each evaluated on its own (no syntax tree: nothing compiled together)."""
    return RuleSet(CompiledRule(r.definition, r.evaluate) for r in (*rules.active, *rules.shadow))


def measure(counts: tuple[int, ...], batch: int, repeats: int, days: int) -> dict[str, Any]:
    data = world(days=days, customers=400)
    before = load_average()
    figures: dict[str, dict[str, float]] = {"set": {}, "one_at_a_time": {}}
    for count in counts:
        rules = rule_set(count)
        for way, evaluated in (("set", rules), ("one_at_a_time", one_at_a_time(rules))):
            figures[way][str(count)] = round(us_per_payment(evaluated, data, batch, repeats), 2)
    return {"batch": batch, "payments": len(data.rows) - len(data.rows) % batch,
            "repeats": repeats, "cpu_us_per_payment": figures, "load_before": before,
            "load_after": load_average()}  # fmt: skip


def table(result: dict[str, Any]) -> str:
    figures = result["cpu_us_per_payment"]
    lines = ["| active rules | set compiled whole | one rule at a time |", "| --- | --- | --- |"]
    for count, whole in figures["set"].items():
        alone = figures["one_at_a_time"][count]
        lines.append(f"| {count} | {whole:.1f} us | {alone:.1f} us |")
    lines.append(
        f"\nCPU us per payment, batches of {result['batch']}, median of {result['repeats']} passes "
        f"over {result['payments']} payments; load average {result['load_before']} before, "
        f"{result['load_after']} after."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--days", type=int, default=2, help="of the simulated world")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = measure(COUNTS, args.batch, args.repeats, args.days)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
