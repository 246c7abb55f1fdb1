"""What the cluster has besides its control plane: kwok nodes and statically provisioned storage.

Three fake nodes of 2 CPU and 8 GiB (one per zone, so topology spread constraints have
something to spread over): the scheduler places pods against their requests, kwok marks them
Running and Ready. Storage works as in a cluster with a local static provisioner: a default
StorageClass that binds claims to pre-created volumes when their pod is scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FAKE_NODE = {"kwok.x-k8s.io/node": "fake"}
STORAGE_CLASS = "standard"


@dataclass(frozen=True)
class NodeShape:
    count: int = 3
    cpu: str = "2"
    memory: str = "8Gi"
    pods: str = "110"


def node_names(shape: NodeShape) -> list[str]:
    return [f"kwok-node-{index}" for index in range(shape.count)]


def nodes(shape: NodeShape) -> list[dict[str, Any]]:
    resources = {"cpu": shape.cpu, "memory": shape.memory, "pods": shape.pods}
    return [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "annotations": {**FAKE_NODE, "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "topology.kubernetes.io/zone": f"zone-{'abc'[index % 3]}",
                    "type": "kwok",
                },
            },
            "status": {"capacity": resources, "allocatable": resources},
        }
        for index, name in enumerate(node_names(shape))
    ]


def storage(volumes: int = 12, size: str = "50Gi") -> list[dict[str, Any]]:
    """A default StorageClass and ``volumes`` pre-created volumes it binds claims to."""
    storage_class = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": STORAGE_CLASS,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": "kubernetes.io/no-provisioner",
        "volumeBindingMode": "WaitForFirstConsumer",
        "reclaimPolicy": "Retain",
    }
    return [
        storage_class,
        *(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {"name": f"local-volume-{index:02d}"},
                "spec": {
                    "capacity": {"storage": size},
                    "accessModes": ["ReadWriteOnce"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "storageClassName": STORAGE_CLASS,
                    # Never mounted: kwok runs no containers.
                    "hostPath": {"path": f"/var/lib/fraud-k8sapi/volume-{index:02d}"},
                },
            }
            for index in range(volumes)
        ),
    ]
