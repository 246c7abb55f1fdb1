"""NetworkPolicies open exactly the data path, DNS, Prometheus and the configured ingress."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from fraud_k8scheck.netpol import (
    Cluster,
    Flow,
    Pod,
    kafka_broker_pod,
    kafka_listener_policy,
    workload_pods,
)
from fraud_k8scheck.objects import of_kind, pod_specs

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]
SERVICES = ("fraud-producer", "fraud-consumer", "fraud-scorer", "fraud-dashboard")
OURS = {*SERVICES, "fraud-redis"}
NAMESPACES: dict[str, dict[str, str]] = {
    name: {} for name in ("fraud", "kube-system", "monitoring", "ingress-nginx", "keda", "default")
}
OTHERS = [
    Pod("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, {"dns-tcp": 53}, frozenset({53})),
    Pod("prometheus", "monitoring", {"app.kubernetes.io/name": "prometheus"}, {"web": 9090}),
    Pod("ingress", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, {"http": 80}),
    Pod("keda", "keda", {"app": "keda-operator"}, {"metrics": 8080}),
    Pod("debug-pod", "fraud", {"app": "debug"}, {"http": 8080}),
    Pod("other-app", "default", {"app": "other"}, {"http": 8080}),
]


def allowed_flows(objects: Objects) -> set[Flow]:
    (kafka,) = of_kind(objects, "Kafka")
    cluster = Cluster([*workload_pods(objects), kafka_broker_pod(kafka), *OTHERS], NAMESPACES)
    policies = [*of_kind(objects, "NetworkPolicy"), kafka_listener_policy(kafka)]
    return {
        flow
        for flow in cluster.allowed(policies)
        if flow.source in OURS or flow.destination in OURS | {"kafka"}
    }


def expected_flows(
    *, monitoring: bool, keda: bool, redis_metrics: bool, verdicts: bool = False
) -> set[Flow]:
    flows = {
        Flow("fraud-producer", "kafka", 9092),
        Flow("fraud-consumer", "kafka", 9092),
        Flow("fraud-consumer", "fraud-redis", 6379),
        Flow("fraud-consumer", "fraud-scorer", 8000),
        Flow("fraud-scorer", "fraud-redis", 6379),
        Flow("fraud-dashboard", "fraud-redis", 6379),
        Flow("ingress", "fraud-dashboard", 8501),
    }
    flows |= {Flow(s, "kube-dns", 53, proto) for s in SERVICES for proto in ("TCP", "UDP")}
    if monitoring:
        ports = {"fraud-producer": 9101, "fraud-consumer": 9102, "fraud-scorer": 8000}
        ports["fraud-dashboard"] = 8501
        if redis_metrics:
            ports["fraud-redis"] = 9121
        flows |= {Flow("prometheus", name, port) for name, port in ports.items()}
    if keda:
        flows.add(Flow("keda", "kafka", 9092))
    if verdicts:  # analysts' verdicts go to the labels topic
        flows.add(Flow("fraud-dashboard", "kafka", 9092))
    return flows


@pytest.mark.parametrize(
    ("scenario", "monitoring", "keda", "redis_metrics"),
    [
        (None, True, False, False),
        ("minimal", True, False, False),
        ("auth", True, False, True),
        ("keda", True, True, False),
        ("monitoring-off", False, False, False),
    ],
)
def test_exactly_the_data_path_is_open(
    render: Callable[..., Objects],
    scenario: str | None,
    monitoring: bool,
    keda: bool,
    redis_metrics: bool,
) -> None:
    actual = allowed_flows(render(scenario))
    expected = expected_flows(
        monitoring=monitoring, keda=keda, redis_metrics=redis_metrics, verdicts=scenario == "auth"
    )
    assert sorted(map(str, actual - expected)) == [], "allowed but not on the data path"
    assert sorted(map(str, expected - actual)) == [], "on the data path but blocked"


def test_every_workload_is_isolated_both_ways(render: Callable[..., Objects]) -> None:
    for scenario in (None, "external-kafka"):
        objects = render(scenario)
        policies = of_kind(objects, "NetworkPolicy")
        for workload, _ in pod_specs(objects):
            labels = workload["spec"]["template"]["metadata"]["labels"]
            covering = [
                policy
                for policy in policies
                if all(
                    labels.get(k) == v
                    for k, v in policy["spec"]["podSelector"]["matchLabels"].items()
                )
            ]
            assert [p["spec"]["policyTypes"] for p in covering] == [["Ingress", "Egress"]]


def test_existing_kafka_and_redis_are_reached_only_at_their_configured_peers(
    render: Callable[..., Objects],
) -> None:
    objects = render("external-kafka")
    (consumer,) = [
        p for p in of_kind(objects, "NetworkPolicy") if p["metadata"]["name"] == "fraud-consumer"
    ]
    egress = {
        (rule["to"][0].get("ipBlock", {}).get("cidr"), port["port"])
        for rule in consumer["spec"]["egress"]
        for port in rule["ports"]
    }
    assert ("10.20.0.0/16", 9094) in egress
    assert ("10.30.0.0/16", 6380) in egress
    assert all(rule.get("to") for rule in consumer["spec"]["egress"]), "an egress rule to anywhere"


def test_a_missing_or_an_extra_opening_is_detected(render: Callable[..., Objects]) -> None:
    objects = copy.deepcopy(render())
    for policy in of_kind(objects, "NetworkPolicy"):
        if policy["metadata"]["name"] == "fraud-consumer":  # drop the consumer -> scorer rule
            policy["spec"]["egress"] = [
                r for r in policy["spec"]["egress"] if r["ports"][0]["port"] != 8000
            ]
        if policy["metadata"]["name"] == "fraud-producer":  # and let the producer go anywhere
            policy["spec"]["egress"].append({})
    actual = allowed_flows(objects)
    expected = expected_flows(monitoring=True, keda=False, redis_metrics=False)
    assert Flow("fraud-consumer", "fraud-scorer", 8000) in expected - actual
    assert Flow("fraud-producer", "other-app", 8080) in actual - expected
    # Redis's own ingress rule still keeps the producer out: each side is enforced on its own.
    assert Flow("fraud-producer", "fraud-redis", 6379) not in actual


def test_the_decision_log_is_reached_by_its_clients_only(render: Callable[..., Objects]) -> None:
    """cnpg: the consumer (and its migration), the dashboard, the scorer (the rules in force) and
    the upkeep job reach the instances on 5432; the operator and the instances themselves also
    on 8000; nothing else."""
    objects = render("cnpg")
    cron = of_kind(objects, "CronJob")[0]["spec"]["jobTemplate"]["spec"]["template"]
    database = Pod("db", "fraud", {"cnpg.io/cluster": "fraud-db", "cnpg.io/podRole": "instance"},
                   {"postgresql": 5432, "status": 8000, "metrics": 9187})  # fmt: skip
    peers = [
        database,
        Pod("db-replica", "fraud", dict(database.labels), dict(database.ports)),
        Pod("maintain", "fraud", cron["metadata"]["labels"]),
        Pod("cnpg-operator", "cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"}),
    ]
    (kafka,) = of_kind(objects, "Kafka")
    cluster = Cluster(
        [*workload_pods(objects), kafka_broker_pod(kafka), *OTHERS, *peers],
        {**NAMESPACES, "cnpg-system": {}},
    )
    flows = cluster.allowed([*of_kind(objects, "NetworkPolicy"), kafka_listener_policy(kafka)])
    into_db = {flow for flow in flows if flow.destination == "db"}
    clients = {"fraud-consumer", "fraud-dashboard", "fraud-scorer", "maintain"}
    assert into_db == {
        *(Flow(source, "db", 5432) for source in clients),
        *(Flow(s, "db", port) for s in ("db-replica", "cnpg-operator") for port in (5432, 8000)),
        Flow("prometheus", "db", 9187),
    }
    out_of_maintain = {flow for flow in flows if flow.source == "maintain"}
    assert out_of_maintain == {
        Flow("maintain", "db", 5432), Flow("maintain", "db-replica", 5432),
        Flow("maintain", "kube-dns", 53, "TCP"), Flow("maintain", "kube-dns", 53, "UDP"),
    }  # fmt: skip
    # The rest of the data path is what it is without the log.
    assert allowed_flows(objects) == expected_flows(
        monitoring=True, keda=False, redis_metrics=False
    )
