"""The in-cluster PostgreSQL the run gives the charts: what the restricted namespace admits, its
data on the one volume its claim binds to, and the DSN Secret where the run's values look."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from fraud_k8sapi.kubectl import Client
from fraud_k8se2e import database
from fraud_k8se2e.release import NAMESPACE, VALUES


def _pod() -> dict[str, Any]:
    spec: dict[str, Any] = database.statefulset()["spec"]["template"]["spec"]
    return spec


def test_the_pod_meets_the_restricted_standard() -> None:
    pod = _pod()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    secure = container["securityContext"]
    assert secure["runAsUser"] == database.UID != 0
    assert secure["allowPrivilegeEscalation"] is False
    assert secure["capabilities"] == {"drop": ["ALL"]}
    assert secure["seccompProfile"] == {"type": "RuntimeDefault"}
    assert secure["readOnlyRootFilesystem"] is True
    assert {v["name"] for v in pod["volumes"]} | {"data"} == {
        m["name"] for m in container["volumeMounts"]
    }
    assert all("hostPath" not in volume for volume in pod["volumes"])


def test_its_data_lives_on_the_volume_its_claim_binds_to(tmp_path: Path) -> None:
    stateful = database.statefulset()
    (claim,) = stateful["spec"]["volumeClaimTemplates"]
    volume = database.volume(tmp_path)
    ref = volume["spec"]["claimRef"]
    # A StatefulSet names its claims <template>-<set>-<ordinal>.
    name = f"{claim['metadata']['name']}-{stateful['metadata']['name']}-0"
    assert ref == {"namespace": NAMESPACE, "name": name}
    assert volume["spec"]["storageClassName"] == claim["spec"]["storageClassName"] == ""
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"  # stopping keeps the data
    (container,) = _pod()["containers"]
    env = {entry["name"]: entry.get("value") for entry in container["env"]}
    mounted = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert env["PGDATA"].startswith(mounted["data"] + "/")  # initdb makes its own 0700 folder


def test_the_dsn_secret_is_where_the_run_values_look() -> None:
    external = yaml.safe_load(VALUES.read_text())["global"]["database"]
    assert external["provider"] == "external"
    assert external["external"]["existingSecret"] == database.DSN_SECRET
    assert external["external"]["uriKey"] == "uri"
    unused = Client(Path("kubectl"), Path("kubeconfig"))  # the DSN needs no cluster
    server = database.InClusterPostgres(unused, Path("postgres"), password="pw")
    assert server.dsn() == (
        f"postgresql://fraud:pw@postgres.{NAMESPACE}.svc.cluster.local:5432/fraud?sslmode=require"
    )
    assert database.service()["spec"]["selector"] == database.LABELS
