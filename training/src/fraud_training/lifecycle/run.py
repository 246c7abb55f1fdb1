"""The model lifecycle end to end, on real Kafka, Redis and PostgreSQL with the real producer and
consumer on the world's clock:

1. champion: trained on the world's history (``train``, as ``make train``), its drift reference
   added, registered and promoted; the decision log's past written (``history_log``);
2. live: the warm start, then ``live_days`` of traffic whose spending shifts after the first day;
   the consumer's drift gauges scraped every second;
3. the drift alert, as Alertmanager sends it, to the retrain receiver (``fraud-models webhook``'s
   server): train from the log, register, evaluate against the champion, challenger if it passes;
4. shadow: ``shadow_days`` with the candidate beside the champion; ``compare`` on them;
5. promote (held to the gate) and ``promoted_days`` decided by the new champion."""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_devstack import KafkaBroker, PostgresServer, RedisServer
from fraud_devstack.pipeline import LocalPipeline, private_topics
from fraud_devstack.processes import free_port
from fraud_devstack.warm_start import World, load_warm_start
from fraud_simulator.dataset import DEFAULT_START, DatasetSpec, generate
from fraud_training.drift_reference import build_reference, write_reference
from fraud_training.from_log import stage_features
from fraud_training.gate import webhook
from fraud_training.gate.gates import GateSettings
from fraud_training.gate.retrain import RetrainPlan, retrain
from fraud_training.lifecycle import drift_summary, phases
from fraud_training.lifecycle.drift_summary import PSI_MAJOR
from fraud_training.lifecycle.drift_watch import DriftWatch
from fraud_training.lifecycle.history_log import write_history
from fraud_training.lifecycle.phases import Phase
from fraud_training.lifecycle.plan import LifecyclePlan
from fraud_training.train import train
from fraud_training.world_features import world_features
from fraudcore import model_registry as registry
from fraudcore.decision_log import comparison, connect, migrate
from fraudcore.model import ModelBundle
from fraudcore.model_registry import ModelStore, Status
from fraudcore.settings import DatabaseSettings, KafkaSettings

log = logging.getLogger(__name__)
ACTOR = "lifecycle"
DAY = pd.Timedelta(days=1)


def _champion(plan: LifecyclePlan, table: pd.DataFrame, features: npt.NDArray[np.float64],
              live_start: pd.Timestamp, workdir: Path) -> tuple[Path, dict[str, Any]]:  # fmt: skip
    """``make train`` on the world's history, then ``make drift-reference``; their features are
    the whole world's replay cut at the live start (features only look back: the same values)."""
    data = workdir / f"world-{plan.history_days}d-{plan.customers}c-seed{plan.seed}.parquet"
    past = (table["event_time"] < live_start).to_numpy()
    table[past].to_parquet(data, index=False)
    cache = workdir / "champion-features"
    cache.mkdir()
    stage_features(data, features[past], cache)
    model_dir = workdir / "champion"
    began = time.monotonic()
    trained = train(data, model_dir, workdir / "champion-reports", cache)
    write_reference(model_dir, build_reference(data, model_dir, cache))
    card = trained["card"]
    return model_dir, {
        "model_version": card["model_version"],
        "training_rows": card["protocol"]["training_rows"],
        "test_split": card["protocol"]["test"],
        "test_ap": card["metrics"]["test"]["xgboost"]["ap"],
        "train_s": round(time.monotonic() - began, 1),
    }


def _post_alert(port: int, token: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """The firing drift alerts as Alertmanager's webhook sends them."""
    body = json.dumps({"version": "4", "status": "firing", "receiver": "retrain",
                       "alerts": alerts}).encode()  # fmt: skip
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/alerts", body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 -- loopback
        return {"status": response.status, "body": json.loads(response.read())}


def _retrain_on_alert(
    settings: DatabaseSettings, store: ModelStore, plan: LifecyclePlan,
    firing: list[dict[str, str]],
) -> dict[str, Any]:  # fmt: skip
    """The receiver on a free port, the alerts posted to it, and the retrain it starts, to its
    end; what the receiver answered and what the retrain did."""
    done: dict[str, Any] = {}

    def run(reason: str) -> None:
        gate = RetrainPlan(reason, ACTOR, GateSettings(), plan.gate_days, plan.label_wait_days)
        done.update(retrain(settings, store, gate))

    token = secrets.token_urlsafe(24)
    trigger = webhook.Trigger(run, min_interval_s=3600)
    server = webhook.serve(free_port(), token, trigger, host="127.0.0.1")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        alerts = [
            {"status": "firing", "labels": {**labels, "severity": "warning"}} for labels in firing
        ]
        began = time.monotonic()
        answer = _post_alert(server.server_address[1], token, alerts)
        trigger.wait()
    finally:
        server.shutdown()
        server.server_close()
    if not done:
        raise RuntimeError(f"the retrain the alert started did not finish: {answer}")
    return {"receiver": answer, "retrain_s": round(time.monotonic() - began, 1), **done}


class Loop:
    """The running platform of one lifecycle run and what it has measured so far."""

    def __init__(self, plan: LifecyclePlan, workdir: Path, champion_dir: Path) -> None:
        self.plan, self.workdir = plan, workdir
        self.broker = KafkaBroker(workdir / "kafka", log_level="WARN").start()
        try:
            self.redis_server = RedisServer(workdir / "redis").start()
        except BaseException:
            self.broker.stop()
            raise
        self.postgres = PostgresServer(workdir / "postgres")
        kafka = KafkaSettings(kafka_bootstrap_servers=self.broker.bootstrap_servers)
        self.pipeline = LocalPipeline(
            self.broker.bootstrap_servers, self.redis_server.url, private_topics(kafka),
            workdir / "logs", champion_dir,
        )  # fmt: skip
        self.world = World(plan.seed, plan.customers, plan.history_days, plan.speed)
        self.store = ModelStore(workdir / "store")
        self.watch: DriftWatch | None = None
        self.shift = ("--shift", "spending", "--shift-factor", f"{plan.shift_factor:g}",
                      "--shift-share", f"{plan.shift_share:g}")  # fmt: skip
        live = Phase("live", plan.history_days, plan.live_days)
        shadow = Phase("shadow", live.first_day + live.days, plan.shadow_days)
        promoted = Phase("promoted", shadow.first_day + shadow.days, plan.promoted_days)
        self.phases = {phase.name: phase for phase in (live, shadow, promoted)}

    @property
    def settings(self) -> DatabaseSettings:
        return DatabaseSettings(database_url=self.postgres.url)

    def start(self, champion_dir: Path, champion: str) -> None:
        """The database with the champion registered and promoted; the consumer on it."""
        self.postgres.start()
        with connect(self.settings, "fraud-lifecycle") as conn:
            migrate(conn)
            registry.migrate(conn)
            registry.register(conn, self.store, champion_dir, actor=ACTOR,
                              reason="trained on the world's history")  # fmt: skip
            registry.promote(conn, champion, Status.CHAMPION, ACTOR, "the first champion")

    def start_consumer(self) -> dict[str, Any]:
        warm = load_warm_start(self.world, self.pipeline.env(), self.pipeline.workdir)
        consumer = self.pipeline.start_consumer(
            "embedded", DATABASE_URL=self.postgres.url, MODEL_STORE_DIR=self.store.root,
            MODEL_REGISTRY_POLL_S=1, LABEL_WAIT_S=600,
            DRIFT_WINDOW_PAYMENTS=self.plan.drift_window, **self.world.env(decision_log=True),
        )  # fmt: skip
        self.watch = DriftWatch(consumer.metrics_port, self.pipeline.scored).start()
        return warm

    def stream(self, name: str, *extra: str) -> dict[str, Any]:
        return phases.stream(self.pipeline, self.world, self.phases[name], *self.shift, *extra)

    def logged(self, name: str) -> dict[str, Any]:
        with connect(self.settings, "fraud-lifecycle") as conn:
            return phases.logged(conn, self.phases[name].span(DEFAULT_START))

    def shadow_and_promote(self, out: dict[str, Any], candidate: str) -> None:
        time.sleep(3)  # the consumer hears the registry's notification within a second
        out["phases"]["shadow"] = self.stream("shadow")
        with connect(self.settings, "fraud-lifecycle") as conn:
            span = self.phases["shadow"].span(DEFAULT_START)
            out["phases"]["shadow"]["compare"] = [
                pair.as_json() for pair in comparison.compare(conn, *span)
            ]
            events = registry.promote(conn, candidate, Status.CHAMPION, ACTOR,
                                      "passed its gate and watched in shadow")  # fmt: skip
            out["promotion"] = [event.as_json() for event in events]
        time.sleep(3)
        out["phases"]["promoted"] = self.stream("promoted")
        for name in self.phases:
            out["phases"][name]["log"] = self.logged(name)
        with connect(self.settings, "fraud-lifecycle") as conn:
            out["registry"] = {
                "history": [event.as_json() for event in registry.history(conn)],
                "serving": {s.value: v.model_version for s, v in registry.serving(conn).items()},
            }

    def stop(self) -> None:
        if self.watch is not None:
            self.watch.stop()
        self.pipeline.stop_all()
        self.postgres.remove()
        self.redis_server.stop()
        self.broker.stop()


def run_lifecycle(plan: LifecyclePlan, workdir: Path, cache: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {"plan": plan.as_json(), "seconds": {}, "phases": {}}
    began = time.monotonic()
    table = generate(DatasetSpec(days=plan.total_days, seed=plan.seed, customers=plan.customers))
    live_start = table["event_time"].iloc[0].normalize() + plan.history_days * DAY
    out["shift_from"] = str(live_start + pd.Timedelta(hours=plan.shift_after_h))
    features = world_features(table, cache)
    champion_dir, out["champion"] = _champion(plan, table, features, live_start, workdir)
    out["seconds"]["world_and_champion"] = round(time.monotonic() - began, 1)
    loop = Loop(plan, workdir, champion_dir)
    try:
        loop.start(champion_dir, out["champion"]["model_version"])
        stamp = time.monotonic()
        model = ModelBundle.load(champion_dir)
        out["history_log"] = write_history(loop.settings, table, features, model, live_start)
        out["seconds"]["history_log"] = round(time.monotonic() - stamp, 1)
        out["warm_start"] = loop.start_consumer()
        out["phases"]["live"] = loop.stream(
            "live", "--shift-after-hours", f"{plan.shift_after_h:g}"
        )
        with connect(loop.settings, "fraud-lifecycle") as conn:
            out["phases"]["live"]["labels_joined"] = phases.labels_settled(conn)
        assert loop.watch is not None
        out["drift"] = drift_summary.live(
            loop.watch.samples, _day_counts(table, live_start), plan, out["phases"]["live"]
        )
        log.info("drift of the live phase: %s", json.dumps(out["drift"]))
        firing = out["drift"]["end"]["firing"]
        if not firing:
            raise RuntimeError(f"no drift gauge above {PSI_MAJOR} at the live phase's end")
        out["retrain"] = _retrain_on_alert(loop.settings, loop.store, plan, firing)
        if out["retrain"]["status"] != Status.CHALLENGER.value:
            raise RuntimeError(f"the candidate did not pass its gate: {out['retrain']}")
        loop.shadow_and_promote(out, out["retrain"]["model_version"])
        scored_from = out["phases"]["promoted"]["scored_before"]
        out["drift"]["after_promotion"] = drift_summary.after(loop.watch.samples, scored_from, plan)
    finally:
        loop.stop()
    out["seconds"]["total"] = round(time.monotonic() - began, 1)
    return out


def _day_counts(table: pd.DataFrame, live_start: pd.Timestamp) -> list[int]:
    """Payments per live day, from the live start on (the shift changes no count)."""
    live = table[table["event_time"] >= live_start]
    days = ((live["event_time"] - live_start) // DAY).to_numpy(np.int64)
    return [int(n) for n in np.bincount(days)]
