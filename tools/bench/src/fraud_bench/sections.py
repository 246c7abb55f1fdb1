"""Sections of the benchmark that compare variants of one pipeline (each against its own
baseline in the same run: ``transactions``, ``decision_log``, ``rules``, ``rules_interleaved``,
``challenger``,
``fetch_batching``; and ``scale``, consumers added to one group), measured
alone and written into an existing report: ``fraud-bench sections rules challenger [--quick]``
replaces those keys of
reports/bench.json, judges the targets again and renders bench.md, every other section as it
was (each section records its own time, mode and load)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fraud_bench import floors, report
from fraud_bench.challenger import bench_challenger
from fraud_bench.decision_log import bench_decision_log
from fraud_bench.fetch_batching import bench_fetch_batching
from fraud_bench.rule_count import bench_rule_count, bench_rules_interleaved
from fraud_bench.scale import bench_scale
from fraud_bench.servers import servers
from fraud_bench.transactions import bench_transactions
from fraud_bench.variants import FULL, QUICK, SectionPlan
from fraudcore.settings import KafkaSettings

Section = Callable[[KafkaSettings, str, Path, Path, SectionPlan], dict[str, Any]]
# One entry per section, in the order a whole run measures them.
SECTIONS: dict[str, Section] = {
    "transactions": bench_transactions,
    "decision_log": bench_decision_log,
    "rules": bench_rule_count,
    "rules_interleaved": bench_rules_interleaved,
    "challenger": bench_challenger,
    "scale": bench_scale,
    "fetch_batching": bench_fetch_batching,
}
log = logging.getLogger("fraud-bench")


def measure(
    names: list[str], plan: SectionPlan, *, settings: KafkaSettings, redis_url: str,
    model_dir: Path, work: Path,
) -> dict[str, Any]:  # fmt: skip
    """Each named section's figures, one after the other on the given broker and Redis."""
    measured = {}
    for name in names:
        log.info("section: %s", name)
        measured[name] = SECTIONS[name](settings, redis_url, model_dir, work / name, plan)
    return measured


def run(names: list[str], quick: bool, model_dir: Path, out: Path) -> dict[str, Any]:
    existing = report.existing(out)
    with servers("fraud-bench-sections-") as (work, broker, redis_server):
        settings = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
        plan = QUICK if quick else FULL
        # As before the headline's floors: a broker still compiling its hot paths shares the
        # cores with the first rounds (a whole run's sections follow the headline's warm-up).
        pid = broker.process.pid if broker.process is not None else None
        warmup = floors.warm_for_run(settings, pid, quick)
        measured = measure(
            names, plan, settings=settings, redis_url=redis_server.url,
            model_dir=model_dir, work=work,
        )  # fmt: skip
        for name in names:
            measured[name]["broker_warmup"] = warmup
    result = report.merged(existing, measured)
    report.write(result, out, latency_plot=False)
    return result
