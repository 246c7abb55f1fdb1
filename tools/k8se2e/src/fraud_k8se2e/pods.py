"""The pods as the kubelet reports them: Ready through their real probes, restarts, start-up
times, and readiness flipping while a dependency is away."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fraud_k8sapi.kubectl import Client

Pod = dict[str, Any]


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def condition(pod: Pod, kind: str) -> dict[str, Any]:
    for entry in pod.get("status", {}).get("conditions", []):
        if entry["type"] == kind:
            found: dict[str, Any] = entry
            return found
    return {}


def ready(pod: Pod) -> bool:
    return bool(condition(pod, "Ready").get("status") == "True")


def component(pod: Pod) -> str:
    labels = pod["metadata"].get("labels", {})
    return str(labels.get("app.kubernetes.io/component") or labels.get("k8s-app") or "?")


def restarts(pod: Pod) -> int:
    return sum(c.get("restartCount", 0) for c in pod.get("status", {}).get("containerStatuses", []))


def live_pods(client: Client, namespace: str) -> list[Pod]:
    """Pods of the namespace that are meant to run (not finished Jobs, not being deleted)."""
    return [
        pod
        for pod in client.items("pods", namespace)
        if pod.get("status", {}).get("phase") not in ("Succeeded", "Failed")
        and "deletionTimestamp" not in pod["metadata"]
    ]


def of(client: Client, namespace: str, name: str) -> list[Pod]:
    """The live pods of one component (app.kubernetes.io/component)."""
    return [pod for pod in live_pods(client, namespace) if component(pod) == name]


def start_up(pod: Pod) -> dict[str, Any]:
    """Seconds from the pod's creation to its containers running and to Ready."""
    created = _when(pod["metadata"]["creationTimestamp"])
    statuses = pod["status"].get("containerStatuses", [])
    started = [s["state"]["running"]["startedAt"] for s in statuses if "running" in s["state"]]
    ready_at = condition(pod, "Ready").get("lastTransitionTime")
    return {
        "pod": pod["metadata"]["name"],
        "running_s": max((_when(s) - created).total_seconds() for s in started)
        if started
        else None,
        "ready_s": (_when(ready_at) - created).total_seconds() if ready(pod) and ready_at else None,
        "restarts": restarts(pod),
        "image": statuses[0]["image"] if statuses else None,
    }


def wait(check: Callable[[], bool], timeout_s: float, what: str, every_s: float = 0.5) -> float:
    """Seconds until ``check`` passed; TimeoutError naming ``what`` otherwise."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout_s:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(every_s)
    return time.monotonic() - began


def all_ready(client: Client, namespace: str) -> Callable[[], bool]:
    def check() -> bool:
        pods = live_pods(client, namespace)
        return bool(pods) and all(ready(pod) for pod in pods)

    return check


def not_ready(client: Client, namespace: str) -> list[str]:
    return [
        f"{pod['metadata']['name']}: {pod['status'].get('phase')}"
        for pod in live_pods(client, namespace)
        if not ready(pod)
    ]
