"""A challenger's cost, and a switch under load: the embedded pipeline serving the model
registry (PostgreSQL, artifacts in a store directory; decision log on) without and with a
challenger in shadow, switched live through the registry and alternated round after round at
1,000 tx/s (``fraud_bench.variants``), with the drain and sustainable rate of each; then, at
1,000 tx/s with no challenger, a promotion and a rollback, the p99 of the payments scored
around each switch against the steady state's of the same run (issue: no spike above 2x).

The challenger is the benchmark's model under another version name: the same trees, so the
shadow costs what a retrain of the same shape would."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from fraud_bench.decision_log import run_counts
from fraud_bench.pipeline_runs import CUSTOMERS, ModeBench
from fraud_bench.stats import load_average, measured_on, summary_ms
from fraud_bench.variants import RATE, WARM_S, SectionPlan, compare, database, nothing_lost
from fraud_devstack.services import wait_for
from fraudcore.decision_log import connect, migrate
from fraudcore.model_card import CARD_FILE, ModelCard
from fraudcore.model_registry import (
    ModelStore,
    Status,
    get_version,
    promote,
    register,
    retire,
    rollback,
)
from fraudcore.model_registry import migrate as migrate_registry
from fraudcore.settings import DatabaseSettings, KafkaSettings

VARIANTS = ("without", "with")
ACTOR = "fraud-bench"
AROUND_S = 1.0  # a switch's window: the payments scored this long before and after it


def renamed_copy(model_dir: Path, directory: Path, version: str) -> Path:
    """``model_dir``'s files under another version name (its card, and drift reference)."""
    shutil.copytree(model_dir, directory)
    card: dict[str, Any] = json.loads((model_dir / CARD_FILE).read_text())
    card["model_version"] = version
    if isinstance(card.get("drift_reference"), dict):
        card["drift_reference"]["model_version"] = version
    (directory / CARD_FILE).write_text(json.dumps(card, indent=2))
    return directory


def served_with_challenger(conn: psycopg.Connection, run: str) -> tuple[int, int]:
    """A run's logged decisions: how many, and how many with a challenger's verdict."""
    return run_counts(conn, run, "count(challenger_version)")


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def around_switches(records: list[dict[str, Any]], began: dt.datetime) -> dict[str, Any]:
    """A switch run's records: where the serving version changed (the first payment scored by
    the next one), the p99 of the payments scored within AROUND_S of each change, and the
    steady state's (every other payment, the run's first second left out)."""
    timed = sorted(((parse_time(r["scored_at"]), r) for r in records), key=lambda item: item[0])
    versions: list[dict[str, Any]] = []
    changes: list[dt.datetime] = []
    for at, record in timed:
        if not versions or versions[-1]["model_version"] != record["model_version"]:
            versions.append({"model_version": record["model_version"], "payments": 0})
            if len(versions) > 1:
                changes.append(at)
        versions[-1]["payments"] += 1
    near = dt.timedelta(seconds=AROUND_S)
    windows = []
    for change in changes:
        inside = [r["timings"]["end_to_end_ms"] for at, r in timed if abs(at - change) <= near]
        windows.append({"at": change.isoformat(), "payments": len(inside), **summary_ms(inside)})
    settled = began + dt.timedelta(seconds=1)
    steady = [
        r["timings"]["end_to_end_ms"]
        for at, r in timed
        if at >= settled and all(abs(at - change) > near for change in changes)
    ]
    return {"versions": versions, "windows": windows,
            "steady": {"payments": len(steady), **summary_ms(steady)}}  # fmt: skip


def switch_under_load(
    bench: ModeBench, conn: psycopg.Connection, next_version: str, phase_s: float
) -> dict[str, Any]:
    """At RATE: the champion, ``next_version`` promoted, rolled back, each change ``phase_s``
    after the last, from the first payment scored (the load generator takes a while to start);
    the traffic goes on two phases after the rollback, which the consumer takes up later."""
    run = f"sw{uuid.uuid4().hex[:4]}"
    before = bench.pipeline.scored()
    producer = bench.pipeline.start_producer(
        "--no-labels", "--customers", CUSTOMERS, "--run-id", run, "--rate", str(RATE),
        "--duration", f"{4 * phase_s:.1f}", name=f"producer-{run}",
    )  # fmt: skip
    wait_for(lambda: bench.pipeline.scored() > before, 120, "the switch run's traffic")
    began = dt.datetime.now(dt.UTC)
    time.sleep(phase_s)
    promoted = promote(conn, next_version, Status.CHAMPION, ACTOR, "benchmark: switch under load")
    time.sleep(phase_s)
    rolled_back = rollback(conn, ACTOR, "benchmark: roll back under load")
    producer.wait(timeout_s=300)
    produced = int(json.loads(producer.log().strip().splitlines()[-1])["transactions"])
    bench.expected += produced
    bench.pipeline.wait_scored(bench.expected, timeout_s=300)
    return {
        "run_id": run,
        "phase_s": phase_s,
        "registry_changes": [promoted[-1].at.isoformat(), rolled_back[-1].at.isoformat()],
        "produced": produced,
        "scored": bench.pipeline.scored() - before,
        "began": began,
    }


def bench_challenger(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    plan: SectionPlan,
    *,
    database_url: str | None = None,
) -> dict[str, Any]:
    """The section's figures (bench.json's ``challenger``)."""
    load_before = load_average()
    champion = ModelCard.load(model_dir).model_version
    challenger = f"{champion}-challenger"
    with (
        database(workdir, database_url) as url,
        connect(DatabaseSettings(database_url=url)) as conn,
    ):
        migrate(conn)
        migrate_registry(conn)
        store = ModelStore(workdir / "model-store")
        copy = renamed_copy(model_dir, workdir / "challenger-model", challenger)
        register(conn, store, model_dir, actor=ACTOR, reason="benchmark champion")
        register(conn, store, copy, actor=ACTOR, reason="benchmark challenger")
        promote(conn, champion, Status.CHAMPION, ACTOR, "benchmark champion")
        env = {"DATABASE_URL": url, "MODEL_STORE_DIR": str(store.root)}
        bench = ModeBench(settings, redis_url, model_dir, workdir / "challenger", "embedded",
                          consumer_env=env)  # fmt: skip

        def switch(variant: str) -> None:
            shadowing = get_version(conn, challenger).status is Status.CHALLENGER
            if variant == "with" and not shadowing:
                promote(conn, challenger, Status.CHALLENGER, ACTOR, "benchmark: with")
            if variant == "without" and shadowing:
                retire(conn, challenger, ACTOR, "benchmark: without")

            def taken_up() -> bool:  # a window of traffic, every payment of it as wanted
                run = f"s{uuid.uuid4().hex[:6]}"
                bench.at_rate(RATE, WARM_S, RATE * 10.0, run_id=run)
                total, shadowed = served_with_challenger(conn, run)
                return total > 0 and shadowed == (total if variant == "with" else 0)

            wait_for(taken_up, 60, f"{variant} a challenger in force")

        try:
            bench.start()
            variants = compare(bench, list(VARIANTS), switch, plan)
            switch("without")
            switched = switch_under_load(bench, conn, challenger, plan.seconds)
            records = bench.records().get(switched["run_id"], [])
        finally:
            bench.stop()
    switched.update(around_switches(records, switched.pop("began")))
    return {
        "quick": plan.quick,
        **measured_on(load_before),
        "rate_tps": RATE,
        "rounds": plan.rounds,
        "seconds": plan.seconds,
        "champion": champion,
        "challenger": challenger,
        "variants": variants,
        "switch": switched,
        "nothing_lost": nothing_lost(variants) and switched["produced"] == switched["scored"],
    }
