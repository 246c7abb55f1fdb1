"""The dashboard's access and verdicts in the charts: the users file only from an existing
Secret, Kafka only with verdicts on, then as its own KafkaUser allowed to write labels only."""

from collections.abc import Callable
from typing import Any

import pytest

from fraud_k8scheck.objects import env_of, named, of_kind
from fraudcore.settings import TopicSettings

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]


def _pod(objects: Objects) -> dict[str, Any]:
    return named(objects, "Deployment", "fraud-dashboard")["spec"]["template"]["spec"]


def test_by_default_no_users_file_and_no_kafka(render: Callable[..., Objects]) -> None:
    objects = render()
    env = env_of(objects, named(objects, "Deployment", "fraud-dashboard"))
    assert not {name for name in env if name.startswith(("KAFKA_", "DASHBOARD_USERS"))}
    assert [v["name"] for v in _pod(objects)["volumes"]] == ["tmp"]
    assert "fraud-dashboard" not in {u["metadata"]["name"] for u in of_kind(objects, "KafkaUser")}


def test_verdicts_get_kafka_as_their_own_user_and_the_users_file_from_a_secret(
    render: Callable[..., Objects],
) -> None:
    objects = render("auth")
    env = env_of(objects, named(objects, "Deployment", "fraud-dashboard"))
    assert env["DASHBOARD_USERS_FILE"] == "/etc/fraud/access/users"
    assert env["KAFKA_SASL_USERNAME"] == "fraud-dashboard"
    assert env["KAFKA_SASL_PASSWORD"] == "secret:fraud-dashboard/password"
    assert env["TOPIC_LABELS"] == TopicSettings().topic_labels
    pod = _pod(objects)
    (volume,) = [v for v in pod["volumes"] if v["name"] == "users"]
    assert volume["secret"] == {
        "secretName": "fraud-dashboard-users", "defaultMode": 0o440,
        "items": [{"key": "users", "path": "users"}],
    }  # fmt: skip
    (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "users"]
    assert mount == {"name": "users", "mountPath": "/etc/fraud/access", "readOnly": True}
    user = named(objects, "KafkaUser", "fraud-dashboard")
    grants = {
        (acl["resource"]["type"], acl["resource"].get("name", "*"), operation)
        for acl in user["spec"]["authorization"]["acls"]
        for operation in acl["operations"]
    }
    labels = TopicSettings().topic_labels
    assert grants == {("topic", labels, "Write"), ("topic", labels, "Describe"),
                      ("cluster", "*", "IdempotentWrite")}  # fmt: skip
    (kafka,) = of_kind(objects, "Kafka")
    peers = kafka["spec"]["kafka"]["listeners"][0]["networkPolicyPeers"]
    names = {p.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
             for p in peers}  # fmt: skip
    assert "fraud-dashboard" in names
