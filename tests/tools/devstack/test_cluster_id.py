"""Cluster ids handed to Kafka's storage tool."""

import base64

from fraud_devstack import kafka_broker


def test_cluster_ids_never_start_with_a_dash() -> None:
    # 1 in 64 random ids starts with "-"; 5,000 draws would all but surely include some.
    ids = [kafka_broker._cluster_id() for _ in range(5_000)]
    assert not [i for i in ids if i.startswith("-")]
    assert all(len(base64.urlsafe_b64decode(i + "==")) == 16 for i in ids)
    assert len(set(ids)) == len(ids)
