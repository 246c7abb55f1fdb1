"""The consumer's warm start in the charts: the history of the producer's own world, loaded
before the consumer starts, and decisions kept until their labels arrive at the world's speed."""

from collections.abc import Callable
from typing import Any

import pytest

from fraud_k8scheck.objects import SCENARIOS, env_of, named
from fraudcore.clock import marker_ttl_s

pytestmark = pytest.mark.k8s
Objects = list[dict[str, Any]]
WORLD = ("PRODUCER_SEED", "PRODUCER_CUSTOMERS", "PRODUCER_WORLD_START", "PRODUCER_HISTORY_DAYS")


def pod(objects: Objects, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = named(objects, "Deployment", name)["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_consumer_loads_the_producers_world_before_it_consumes(
    render: Callable[..., Objects], scenario: str
) -> None:
    objects = render(scenario)
    consumer, producer = pod(objects, "fraud-consumer"), pod(objects, "fraud-producer")
    history, backfill = consumer["initContainers"][:2]  # then the decision log's migration
    assert (history["name"], backfill["name"]) == ("history", "backfill")
    assert history["image"] == producer["containers"][0]["image"]
    assert backfill["image"] == consumer["containers"][0]["image"]
    out = history["command"][history["command"].index("--out") + 1]
    assert backfill["command"][:4] == ["fraud-consumer", "backfill", "--history", out]
    volume = next(v for v in consumer["volumes"] if v["name"] == "history")
    assert "emptyDir" in volume
    producer_env = env_of(objects, named(objects, "Deployment", "fraud-producer"))
    assert {e["name"]: e["value"] for e in history["env"]} == {k: producer_env[k] for k in WORLD}
    assert backfill["envFrom"] == consumer["containers"][0]["envFrom"]
    consumer_env = env_of(objects, named(objects, "Deployment", "fraud-consumer"))
    speed = float(producer_env["PRODUCER_SPEED"])
    assert int(consumer_env["RESULT_TTL_S"]) == marker_ttl_s(speed)


@pytest.mark.parametrize(("speed", "ttl"), [("175", 14_812), ("2400", 3_600), ("1", 2_592_000)])
def test_decisions_outlive_their_labels_at_any_speed(
    render: Callable[..., Objects], speed: str, ttl: int
) -> None:
    objects = render(None, f"global.world.speed={speed}")
    env = env_of(objects, named(objects, "Deployment", "fraud-consumer"))
    assert int(env["RESULT_TTL_S"]) == ttl == marker_ttl_s(float(speed))


def test_the_warm_start_can_be_turned_off(render: Callable[..., Objects]) -> None:
    consumer = pod(render(None, "consumer.warmStart.enabled=false"), "fraud-consumer")
    assert "initContainers" not in consumer
    assert all(volume["name"] != "history" for volume in consumer["volumes"])
