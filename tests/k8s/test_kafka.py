"""Kafka wiring: Strimzi bootstrap, topics, users and ACLs; nothing Strimzi with external Kafka."""

from collections.abc import Callable
from typing import Any

import pytest

from fraud_consumer.redrive import GROUP_PREFIX, LetterFilter
from fraud_k8scheck.helm import HelmError
from fraud_k8scheck.objects import env_of, named, of_kind
from fraud_k8scheck.validate import Validator
from fraudcore.settings import TopicSettings

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]
STRIMZI_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
CLIENTS = ("producer", "consumer")


def _client_env(objects: Objects, client: str) -> dict[str, str]:
    return env_of(objects, named(objects, "Deployment", f"fraud-{client}"))


@pytest.mark.parametrize("scenario", ["minimal", "auth", "keda", "monitoring-off"])
def test_clients_use_the_strimzi_bootstrap_service(
    render: Callable[..., Objects], scenario: str
) -> None:
    objects = render(scenario)
    (kafka,) = of_kind(objects, "Kafka")
    listeners = {item["port"]: item for item in kafka["spec"]["kafka"]["listeners"]}
    expected = f"{kafka['metadata']['name']}-kafka-bootstrap.fraud.svc.cluster.local:9092"
    assert 9092 in listeners
    for client in CLIENTS:
        assert _client_env(objects, client)["KAFKA_BOOTSTRAP_SERVERS"] == expected
    for scaled in of_kind(objects, "ScaledObject"):
        assert scaled["spec"]["triggers"][0]["metadata"]["bootstrapServers"] == expected


def test_keda_reaches_the_bootstrap_service_from_its_own_namespace(
    render: Callable[..., Objects],
) -> None:
    """KEDA's scaler runs in the keda-operator pod (namespace keda), where the short name
    <cluster>-kafka-bootstrap does not resolve: the trigger must name the Service in full."""
    objects = render("keda", "global.clusterDomain=example.internal")
    (scaled,) = of_kind(objects, "ScaledObject")
    (service_host, port) = scaled["spec"]["triggers"][0]["metadata"]["bootstrapServers"].split(":")
    service, namespace, svc, *domain = service_host.split(".")
    assert (service, namespace, svc) == ("fraud-kafka-bootstrap", "fraud", "svc")
    assert ".".join(domain) == "example.internal"
    assert port == "9092"


def test_metadata_version_is_left_to_strimzi_unless_pinned(render: Callable[..., Objects]) -> None:
    (kafka,) = of_kind(render(), "Kafka")
    assert "metadataVersion" not in kafka["spec"]["kafka"]
    (pinned,) = of_kind(render(None, "kafka.metadataVersion=4.2-IV1"), "Kafka")
    assert pinned["spec"]["kafka"]["metadataVersion"] == "4.2-IV1"


def test_the_kraft_cluster_is_one_dual_role_pool(render: Callable[..., Objects]) -> None:
    objects = render()
    (kafka,) = of_kind(objects, "Kafka")
    (pool,) = of_kind(objects, "KafkaNodePool")
    assert kafka["apiVersion"] == pool["apiVersion"] == "kafka.strimzi.io/v1"
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    assert sorted(pool["spec"]["roles"]) == ["broker", "controller"]
    assert pool["spec"]["storage"]["volumes"][0]["type"] == "ephemeral"
    metrics = kafka["spec"]["kafka"]["metricsConfig"]
    assert metrics["type"] == "jmxPrometheusExporter"
    named(objects, "ConfigMap", metrics["valueFrom"]["configMapKeyRef"]["name"])
    assert "kafkaExporter" in kafka["spec"]


def test_persistent_storage_is_an_option(render: Callable[..., Objects]) -> None:
    (pool,) = of_kind(render("auth"), "KafkaNodePool")
    volume = pool["spec"]["storage"]["volumes"][0]
    assert volume["type"] == "persistent-claim"
    assert volume["size"] == "20Gi"


def test_jvm_options_reach_every_kafka_node_only_when_set(
    render: Callable[..., Objects], validator: Validator
) -> None:
    (default,) = of_kind(render(), "KafkaNodePool")
    assert "jvmOptions" not in default["spec"]
    sized = render(None, "kafka.jvmOptions.-Xms=1g", "kafka.jvmOptions.-Xmx=1g")
    (pool,) = of_kind(sized, "KafkaNodePool")
    assert pool["spec"]["jvmOptions"] == {"-Xms": "1g", "-Xmx": "1g"}
    assert validator.problems(pool) == []  # Strimzi's own schema takes it


@pytest.mark.parametrize("scenario", ["minimal", "auth"])
def test_every_contract_topic_has_a_kafka_topic(
    render: Callable[..., Objects], scenario: str
) -> None:
    objects = render(scenario)
    (kafka,) = of_kind(objects, "Kafka")
    topics = of_kind(objects, "KafkaTopic")
    assert sorted(t["spec"]["topicName"] for t in topics) == sorted(TopicSettings().all_topics())
    for topic in topics:
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    env = _client_env(objects, "consumer")
    assert {
        env[f"TOPIC_{key}"] for key in ("TRANSACTIONS", "LABELS", "SCORED", "ALERTS", "DLQ")
    } == {t["spec"]["topicName"] for t in topics}


def test_auth_gives_each_client_a_scram_user_and_its_secret(render: Callable[..., Objects]) -> None:
    objects = render("auth")
    (kafka,) = of_kind(objects, "Kafka")
    listener = kafka["spec"]["kafka"]["listeners"][0]
    assert listener["authentication"]["type"] == "scram-sha-512"
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    users = {user["metadata"]["name"]: user for user in of_kind(objects, "KafkaUser")}
    for client in CLIENTS:
        env = _client_env(objects, client)
        user = users[env["KAFKA_SASL_USERNAME"]]
        assert user["spec"]["authentication"]["type"] == "scram-sha-512"
        # Strimzi writes the password to a Secret named after the KafkaUser, key "password".
        assert env["KAFKA_SASL_PASSWORD"] == f"secret:{user['metadata']['name']}/password"
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"


def test_acls_grant_each_client_exactly_its_topics(render: Callable[..., Objects]) -> None:
    objects = render("auth")
    topics = TopicSettings()

    def grants(client: str) -> set[tuple[str, str, str]]:
        user = named(objects, "KafkaUser", f"fraud-{client}")
        return {
            (acl["resource"]["type"], acl["resource"].get("name", "*"), operation)
            for acl in user["spec"]["authorization"]["acls"]
            for operation in acl["operations"]
        }

    writes = lambda *names: {("topic", n, op) for n in names for op in ("Write", "Describe")}  # noqa: E731
    reads = lambda *names: {("topic", n, op) for n in names for op in ("Read", "Describe")}  # noqa: E731
    idempotent = {("cluster", "*", "IdempotentWrite")}
    assert grants("producer") == writes(topics.topic_transactions, topics.topic_labels) | idempotent
    group = _client_env(objects, "consumer")["CONSUMER_GROUP_ID"]
    assert grants("consumer") == (
        reads(topics.topic_transactions, topics.topic_labels)
        | {("group", group, "Read"), ("group", group, "Describe")}
        | writes(topics.topic_scored, topics.topic_alerts, topics.topic_dlq)
        | {("transactionalId", f"{group}-", "Write"), ("transactionalId", f"{group}-", "Describe")}
        | idempotent
    )
    acls = named(objects, "KafkaUser", "fraud-consumer")["spec"]["authorization"]["acls"]
    assert {"type": "transactionalId", "name": f"{group}-", "patternType": "prefix"} in [
        acl["resource"] for acl in acls
    ]


def test_the_operator_user_may_send_dead_letters_back_and_nothing_else(
    render: Callable[..., Objects],
) -> None:
    assert "fraud-operator" not in {
        u["metadata"]["name"] for u in of_kind(render("auth"), "KafkaUser")
    }
    user = named(render("auth", "kafka.operatorUser.enabled=true"), "KafkaUser", "fraud-operator")
    topics = TopicSettings()
    inputs = (topics.topic_transactions, topics.topic_labels)
    grants = {
        (acl["resource"]["type"], acl["resource"].get("name", "*"),
         acl["resource"].get("patternType", "literal"), operation)
        for acl in user["spec"]["authorization"]["acls"]
        for operation in acl["operations"]
    }  # fmt: skip
    assert grants == {
        ("topic", topics.topic_dlq, "literal", "Read"),
        ("topic", topics.topic_dlq, "literal", "Describe"),
        ("group", GROUP_PREFIX, "prefix", "Read"),
        ("group", GROUP_PREFIX, "prefix", "Describe"),
        *{("topic", name, "literal", op) for name in inputs for op in ("Write", "Describe")},
        ("cluster", "*", "literal", "IdempotentWrite"),
    }  # fmt: skip
    assert LetterFilter(frozenset({"unmatched"})).default_group().startswith(GROUP_PREFIX)


def test_an_external_kafka_renders_no_strimzi_objects(render: Callable[..., Objects]) -> None:
    objects = render("external-kafka")
    assert not [obj for obj in objects if obj["kind"] in STRIMZI_KINDS]
    assert not [obj for obj in objects if obj["metadata"]["name"].endswith("kafka-metrics")]
    monitors = {obj["metadata"]["name"] for obj in of_kind(objects, "PodMonitor")}
    assert monitors == {"fraud-producer", "fraud-consumer"}
    for client in CLIENTS:
        env = _client_env(objects, client)
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == (
            "kafka-0.example.internal:9094,kafka-1.example.internal:9094"
        )
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["KAFKA_SASL_USERNAME"] == f"fraud-{client}"
        assert env["KAFKA_SASL_PASSWORD"] == f"secret:kafka-credentials-{client}/password"
        assert env["KAFKA_SSL_CA_LOCATION"] == "/etc/fraud/kafka-ca/ca.crt"
        pod = named(objects, "Deployment", f"fraud-{client}")["spec"]["template"]["spec"]
        (volume,) = [v for v in pod["volumes"] if v["name"] == "kafka-ca"]
        assert volume["secret"]["secretName"] == "kafka-cluster-ca"
        assert volume["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]
        (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "kafka-ca"]
        assert mount == {"name": "kafka-ca", "mountPath": "/etc/fraud/kafka-ca", "readOnly": True}


EXTERNAL = ("global.kafka.provider=external", "global.kafka.bootstrapServers=k.example:9093")


def test_one_existing_secret_can_hold_every_clients_credentials(
    render: Callable[..., Objects],
) -> None:
    objects = render(
        "keda", *EXTERNAL, "global.kafka.auth.existingSecret=kafka-login",
        "global.kafka.auth.mechanism=SCRAM-SHA-256",
    )  # fmt: skip
    for client in CLIENTS:
        env = _client_env(objects, client)
        assert env["KAFKA_SASL_USERNAME"] == "secret:kafka-login/username"
        assert env["KAFKA_SASL_PASSWORD"] == "secret:kafka-login/password"
        assert env["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-256"
        assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert "KAFKA_SSL_CA_LOCATION" not in env
    (auth,) = of_kind(objects, "TriggerAuthentication")
    secrets = {ref["parameter"]: ref for ref in auth["spec"]["secretTargetRef"]}
    assert (secrets["username"]["name"], secrets["username"]["key"]) == ("kafka-login", "username")
    assert (secrets["password"]["name"], secrets["password"]["key"]) == ("kafka-login", "password")
    keda = named(objects, "ConfigMap", "fraud-consumer-keda")
    assert keda["data"] == {"sasl": "scram_sha256", "tls": "disable"}
    assert not [obj for obj in objects if obj["kind"] in STRIMZI_KINDS]


@pytest.mark.parametrize(
    ("set_values", "message"),
    [
        (("global.kafka.bootstrapServers=k.example:9093",), "set global.kafka.provider=external"),
        (("global.kafka.provider=external",), "needs global.kafka.bootstrapServers"),
        ((*EXTERNAL, "global.kafka.auth.enabled=true", "global.kafka.auth.mechanism=PLAIN"),
         "turn on global.kafka.tls.enabled"),
        (("global.kafka.auth.enabled=true", "global.kafka.auth.mechanism=SCRAM-SHA-256"),
         "Strimzi's users are SCRAM-SHA-512"),
        (("kafka.jvmOptions.-XX.UseShenandoahGC=true",),
         "UseShenandoahGC': got boolean, want string"),
        (("kafka.jvmOptions.-Xmx=1Gi",), "-Xmx': '1Gi' does not match"),
    ],
)  # fmt: skip
def test_kafka_settings_that_cannot_work_stop_the_render(
    render: Callable[..., Objects], set_values: tuple[str, ...], message: str
) -> None:
    with pytest.raises(HelmError, match=message):
        render(None, *set_values)
