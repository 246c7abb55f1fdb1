"""The cases of the end-to-end run, in the order they run against one installed release.

Every case that streams payments ends in an exact account (``traffic.account``); the others
record what Kubernetes itself reported (readiness, restarts, helm's test phases, rollout).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from fraud_k8se2e import decision_log, pods, reach, rules
from fraud_k8se2e.images import ROLLED
from fraud_k8se2e.platform import Platform
from fraud_k8se2e.release import NAMESPACE
from fraudcore.decision_log.migrator import migrations

POISON_RATE = 0.005  # the plain run also sends malformed messages: they must reach the DLQ
DATABASE_CASE = "PostgreSQL stopped mid-stream"
DATABASE_DOWN_S = 10.0  # as long as the broker stays away in the Kafka case


def plain(platform: Platform) -> dict[str, Any]:
    """Payments at the fixed rate with nothing going wrong, watched on the dashboard's stream
    through `kubectl port-forward svc/...`; then a sample of them looked up in the decision log
    through the dashboard's API."""
    with reach.port_forward(platform.client, "dashboard") as url:
        listener = reach.StreamListener(url).start()
        time.sleep(2)  # connected and past the snapshot before the first payment
        outcome = platform.stream("plain", platform.sizes.plain, poison_rate=POISON_RATE)
        pods.wait(lambda: listener.points >= outcome.scored, 30, "the stream's last points")
        listener.stop()
        run_id = outcome.details["run_id"]
        logged = platform.decision_log.sample(f"tx-{run_id}")
        lookups = decision_log.look_up(url, logged, f"tx-{run_id}-never-sent")
    sse = {"url": f"{url}/api/stream (kubectl port-forward)", "points": listener.points,
           "batches": listener.batches, "error": listener.error}  # fmt: skip
    return {
        "dashboard_stream": {**sse, "passed": rules.dashboard_stream(sse, outcome.as_dict())},
        "dashboard_reads_the_log": {**lookups, "passed": rules.dashboard_reads_the_log(lookups)},
    }


def migrated(platform: Platform) -> dict[str, Any]:
    """The chart's migrate init container ran to success in the consumer pod and left the
    schema at every migration this release carries."""
    statuses = platform.consumer()["status"].get("initContainerStatuses", [])
    ended = {s["name"]: s.get("state", {}).get("terminated", {}) for s in statuses}
    found = {
        "init_containers": list(ended),
        "migrate_exit_code": ended.get("migrate", {}).get("exitCode"),
        "applied": platform.decision_log.migrations(),
        "carried": [migration.version for migration in migrations()],
    }
    return {**found, "passed": rules.decision_log_migrated(found)}


def database_stopped(platform: Platform) -> dict[str, Any]:
    """PostgreSQL stopped mid-stream (its StatefulSet scaled to 0): the consumer pauses (not
    Ready, nothing scored, the lag grows), and once the database is back it resumes without a
    restart; every payment is still scored and logged exactly once."""
    found: dict[str, Any] = {}
    topic = platform.kafka.topics.topic_transactions

    def outage() -> dict[str, Any]:
        restarts = pods.restarts(platform.consumer())
        began = time.monotonic()
        found["pod_gone_after_s"] = round(platform.database.stop(), 1)
        pods.wait(lambda: not pods.ready(platform.consumer()), 120, "consumer not Ready")
        found["consumer_not_ready_after_s"] = round(time.monotonic() - began, 1)
        scored, lag = platform.results.scored_total(), platform.kafka.lag(platform.group, topic)
        time.sleep(DATABASE_DOWN_S)
        found["scored_while_down"] = platform.results.scored_total() - scored
        found["lag_while_down"] = [lag, platform.kafka.lag(platform.group, topic)]
        found["not_ready_while_down"] = not pods.ready(platform.consumer())
        back = time.monotonic()
        found["database_down_s"] = round(back - began, 1)
        found["database_ready_after_start_s"] = round(platform.database.start(), 1)
        pods.wait(lambda: pods.ready(platform.consumer()), 180, "consumer Ready again")
        found["consumer_ready_after_start_s"] = round(time.monotonic() - back, 1)
        found["consumer_restarts"] = pods.restarts(platform.consumer()) - restarts
        return {"database_down_s": found["database_down_s"]}

    outcome = platform.stream(DATABASE_CASE, platform.sizes.fault, mid_stream=outage)
    return {**found, "passed": rules.readiness_while_database_stopped(found, outcome.as_dict())}


def log_after_the_run(platform: Platform, before_cases: int) -> dict[str, Any]:
    """The log counted again at the end, every case by its ids (after the outage, the pods
    deleted and the upgrade), and the whole log for ids with more than one row; ``before_cases``
    payments came from the chart's own producer before the cases began."""
    rows = {
        outcome.case: sum(
            platform.decision_log.rows_by_id(f"tx-{outcome.details['run_id']}").values()
        )
        for outcome in platform.outcomes
    }
    found = {"rows_by_case": rows, **platform.decision_log.rows_per_id()}
    cases = {outcome.case: outcome.as_dict() for outcome in platform.outcomes}
    return {**found, "passed": rules.log_after_the_run(found, cases, before_cases)}


def consumer_deleted(platform: Platform) -> None:
    platform.stream(
        "consumer pod deleted mid-stream",
        platform.sizes.fault,
        mid_stream=lambda: platform.delete_pod("consumer"),
    )


def scorer_deleted(platform: Platform) -> None:
    platform.stream(
        "scorer pod deleted mid-stream",
        platform.sizes.fault,
        mid_stream=lambda: platform.delete_pod("scorer"),
    )


def kafka_stopped(platform: Platform) -> dict[str, Any]:
    """Readiness follows Kafka: the consumer's /readyz needs the broker's metadata, so the
    kubelet marks it not Ready while Kafka is stopped, and Ready again after, without a
    restart (liveness only watches the loop, which keeps turning)."""
    client = platform.client
    restarts_before = pods.restarts(platform.consumer())
    began = time.monotonic()
    platform.kafka.stop()
    not_ready_s = pods.wait(lambda: not pods.ready(platform.consumer()), 120, "consumer not Ready")
    down_for = 10.0  # a stopped broker stays away a little, as in a real outage
    time.sleep(down_for)
    still_not_ready = not pods.ready(platform.consumer())
    restart_began = time.monotonic()
    platform.kafka.start()
    ready_s = pods.wait(lambda: pods.ready(platform.consumer()), 180, "consumer Ready again")
    restarts_after = pods.restarts(platform.consumer())
    outcome = platform.stream("after Kafka was stopped and started", platform.sizes.after_restart)
    result = {
        "consumer_not_ready_after_s": round(not_ready_s, 1),
        "still_not_ready_after_more_s": down_for,
        "ready_again_after_start_s": round(ready_s, 1),
        "kafka_down_s": round(restart_began - began, 1),
        "consumer_restarts": restarts_after - restarts_before,
        "not_ready_pods_while_down": still_not_ready,
        "pods": pods.not_ready(client, NAMESPACE),
    }
    return {**result, "passed": rules.readiness_while_kafka_stopped(result, outcome.as_dict())}


def liveness(platform: Platform) -> dict[str, Any]:
    """A consumer whose loop stalls (the WORKER_TEST_STALL_HOOK signal) fails /healthz; the
    kubelet restarts its container, and the stream still ends exactly once."""
    found: dict[str, Any] = {}

    def stall() -> dict[str, Any]:
        pod = platform.consumer()
        name, restarts = pod["metadata"]["name"], pods.restarts(pod)
        began = time.monotonic()
        platform.client.kubectl(
            "exec", name, "-n", NAMESPACE, "--", "python", "-c",
            "import os, signal; os.kill(1, signal.SIGUSR1)",
        )  # fmt: skip
        restarted = pods.wait(
            lambda: pods.restarts(platform.consumer()) > restarts, 180, "liveness restart"
        )
        ready_again = pods.wait(lambda: pods.ready(platform.consumer()), 180, "Ready again")
        found.update(pod=name, restarted_after_s=round(restarted, 1),
                     ready_again_after_s=round(restarted + ready_again, 1),
                     same_pod=platform.consumer()["metadata"]["name"] == name)  # fmt: skip
        return {"stalled_at_s": round(time.monotonic() - began, 1)}

    outcome = platform.stream("consumer loop stalled (liveness restart)",
                              platform.sizes.fault, mid_stream=stall)  # fmt: skip
    passed = rules.liveness_restarts_a_stalled_consumer(found, outcome.as_dict())
    return {**found, "passed": passed}


def helm_test(platform: Platform) -> dict[str, Any]:
    exit_code, output = platform.release.test()
    phases = [
        line.strip()
        for line in output.splitlines()
        if line.strip().startswith(("TEST SUITE", "Phase", "Last Started", "Last Completed"))
    ]
    found = {"exit_code": exit_code, "output": phases}
    return {**found, "passed": rules.helm_test(found)}


def upgrade(platform: Platform, tag: str) -> dict[str, Any]:
    """`helm upgrade` to a new image tag while payments flow: every Deployment rolls (a new pod
    Ready before the old one goes, so none is ever without a Ready pod), nothing is lost."""
    lowest: dict[str, int] = {}
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            for name, count in platform.deployment_pods_ready().items():
                lowest[name] = min(lowest.get(name, count), count)
            time.sleep(0.5)

    found: dict[str, Any] = {}

    def roll() -> dict[str, Any]:
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        began = time.monotonic()
        platform.release.upgrade(tag, "--set=producer.replicaCount=0")
        found["rollout_s"] = round(time.monotonic() - began, 1)
        sampling.set()
        sampler.join()
        return {"rollout_s": found["rollout_s"]}

    outcome = platform.stream("helm upgrade to a new image tag mid-stream",
                              platform.sizes.fault, mid_stream=roll)  # fmt: skip
    images = {
        pods.component(pod): pod["spec"]["containers"][0]["image"]
        for pod in pods.live_pods(platform.client, NAMESPACE)
        if pods.component(pod) in ROLLED
    }
    running = {name: lowest.get(name, 0) for name in ROLLED}
    found.update(to_tag=tag, images=images, fewest_ready_pods_during_rollout=running)
    return {**found, "passed": rules.helm_upgrade_under_traffic(found, outcome.as_dict(), ROLLED)}
