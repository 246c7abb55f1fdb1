"""One end-to-end run: build the images, start the node, load the images, start the external
Kafka, create the in-cluster PostgreSQL, install the release, run every case, uninstall, tear
everything down; the report.

Whatever fails, the teardown still runs (the broker, the node with every pod, the images' tags)
and the report says what failed; nothing is left on the host (the report's `teardown` lists
whatever was, and an empty list is part of passing).
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fraud_k8sapi.node.cluster import NodeCluster
from fraud_k8se2e import cases, pods, reach, report, rules
from fraud_k8se2e.broker import CLIENT_USER, ExternalKafka
from fraud_k8se2e.database import InClusterPostgres
from fraud_k8se2e.images import ImageSet
from fraud_k8se2e.platform import Log, Platform, Sizes
from fraud_k8se2e.release import NAMESPACE, RELEASE, Release, app_version, chart_version
from fraudcore.redis_keys import RedisKeys

APP_VERSION = app_version()  # the images' tag at install
UPGRADE_TAG = f"{APP_VERSION}-e2e.2"


def _timed(timings: dict[str, float], name: str, action: Callable[[], Any]) -> Any:
    began = time.monotonic()
    result = action()
    timings[name] = round(time.monotonic() - began, 1)
    return result


def _install(platform: Platform, timings: dict[str, float], found: dict[str, Any]) -> None:
    client = platform.client
    began = time.monotonic()
    platform.release.install()
    timings["install_to_all_pods_ready"] = round(
        pods.wait(pods.all_ready(client, NAMESPACE), 600, "every pod Ready"), 1
    )
    password = platform.release.secret_value(f"{RELEASE}-redis-auth", "redis-password")
    platform.results.connection = reach.redis_client(client, password)
    pods.wait(lambda: platform.results.scored_total() > 0, 300, "the first scored payment")
    timings["install_to_first_scored_payment"] = round(time.monotonic() - began, 1)
    found.setdefault("checks", {})["decision_log_migrated"] = cases.migrated(platform)
    found["pods"] = [
        {"component": pods.component(pod), **pods.start_up(pod)}
        for pod in pods.live_pods(client, NAMESPACE) + pods.live_pods(client, "kube-system")
    ]
    # From here on payments come only from the cases' own Jobs.
    client.kubectl("scale", "deployment", f"{RELEASE}-producer", "-n", NAMESPACE, "--replicas=0")
    pods.wait(lambda: not pods.of(client, NAMESPACE, "producer"), 120, "the producer stopped")
    topic = platform.kafka.topics.topic_transactions
    pods.wait(lambda: platform.kafka.lag(platform.group, topic) == 0, 180, "the backlog")
    found["installed"] = {
        "chart": chart_version(),
        "app_version": APP_VERSION,
        "upgrade_tag": UPGRADE_TAG,
        "release": RELEASE,
        "namespace": NAMESPACE,
        "scored_from_the_chart_producer": platform.results.scored_total(),
    }


def _cases(platform: Platform, found: dict[str, Any]) -> None:
    api_key = platform.release.secret_value(f"{RELEASE}-scorer-api-key", "api-key")
    api = reach.score_probe(platform.client, api_key)
    found["scorer_api"] = {**api, "passed": rules.scorer_api(api)}
    checks = found.setdefault("checks", {})
    checks.update(cases.plain(platform))
    cases.consumer_deleted(platform)
    cases.scorer_deleted(platform)
    checks["readiness_while_kafka_stopped"] = cases.kafka_stopped(platform)
    checks["readiness_while_database_stopped"] = cases.database_stopped(platform)
    checks["liveness_restarts_a_stalled_consumer"] = cases.liveness(platform)
    checks["helm_test"] = cases.helm_test(platform)
    checks["helm_upgrade_under_traffic"] = cases.upgrade(platform, UPGRADE_TAG)
    checks["log_after_the_run"] = cases.log_after_the_run(
        platform, found["installed"]["scored_from_the_chart_producer"]
    )


def execute(
    root: Path, sizes: Sizes, log: Log = print, reuse_images: str | None = None
) -> dict[str, Any]:
    started = time.monotonic()
    timings: dict[str, float] = {}
    found: dict[str, Any] = {"errors": []}
    images = ImageSet(APP_VERSION, UPGRADE_TAG, reused=reuse_images)
    node = NodeCluster(root / "node", log=log)
    kafka = ExternalKafka(root / "kafka")
    database: InClusterPostgres | None = None
    platform: Platform | None = None
    try:
        _timed(timings, "images_built", lambda: images.build(log))
        found["image_build"] = {
            "seconds": images.seconds,
            "sizes_mb": images.sizes_mb,
            "reused_tag": images.reused,
        }
        _timed(timings, "node_started", node.start)
        found["node_steps"] = dict(node.timings)
        # Containerd imports while the broker starts, which stays in this thread: its process
        # dies with the thread that started it (PR_SET_PDEATHSIG).
        with ThreadPoolExecutor(1, thread_name_prefix="images") as beside:
            loading = beside.submit(images.load, node.ctr())
            timings["kafka_started"] = round(kafka.start(), 1)
            timings["images_loaded"] = loading.result()
        kafka.create_topics()
        release = Release(node.client(), kafka.bootstrap_servers)
        release.prepare(CLIENT_USER, kafka.client_password)
        database = InClusterPostgres(node.client(), root / "postgres")
        database.create()
        results = reach.Results(RedisKeys())
        platform = Platform(node, kafka, release, results, database, "fraud-consumer", sizes, log)
        _install(platform, timings, found)
        _cases(platform, found)
        timings["uninstall"] = round(release.uninstall(), 1)
    except Exception as error:  # the report says what failed; the teardown runs regardless
        found["errors"].append(f"{type(error).__name__}: {error}")
        found["errors"].append(traceback.format_exc()[-4000:])
        with contextlib.suppress(Exception):
            found["pods_at_failure"] = pods.not_ready(node.client(), NAMESPACE)
        log(f"FAILED: {error}")
    finally:
        kafka.stop()
        found["teardown"] = node.stop()
        if database is not None:
            database.remove()  # its volume's data, once no pod has it mounted
        timings["teardown"] = node.timings.get("teardown", 0.0)
        images.forget()
    timings["total"] = round(time.monotonic() - started, 1)
    outcomes = platform.outcomes if platform else []
    return report.assemble(sizes.kind, timings, found, [o.as_dict() for o in outcomes])
