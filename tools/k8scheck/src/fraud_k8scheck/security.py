"""The hardening every pod of the platform must have, as a list of what a pod spec lacks."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
UID = 10001


def _container_problems(container: Obj, *, runs_to_completion: bool = False) -> list[str]:
    name = container["name"]
    context = container.get("securityContext", {})
    wanted = {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "privileged": False,
    }
    problems = [
        f"{name}: securityContext.{key} is {context.get(key)!r}, not {value!r}"
        for key, value in wanted.items()
        if context.get(key) != value
    ]
    capabilities = context.get("capabilities", {})
    if "ALL" not in capabilities.get("drop", []) or capabilities.get("add"):
        problems.append(f"{name}: capabilities must drop ALL and add none")
    if context.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(f"{name}: seccompProfile is not RuntimeDefault")
    resources = container.get("resources", {})
    for section in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in resources.get(section, {}):
                problems.append(f"{name}: no {resource} {section[:-1]}")
    # Init containers and a Job's run to completion: no probe (Kubernetes refuses them on init).
    for probe in () if runs_to_completion else ("startupProbe", "livenessProbe", "readinessProbe"):
        if probe not in container:
            problems.append(f"{name}: no {probe}")
    return problems


def problems(pod_spec: Obj, *, job: bool = False) -> list[str]:
    """What this pod spec lacks of the platform's hardening (empty: nothing); ``job``: a Job's
    pod, whose containers run to completion."""
    found = []
    context = pod_spec.get("securityContext", {})
    if context.get("runAsNonRoot") is not True or context.get("runAsUser") != UID:
        found.append(f"pod: must run as non-root uid {UID}")
    if context.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        found.append("pod: seccompProfile is not RuntimeDefault")
    if pod_spec.get("automountServiceAccountToken") is not False:
        found.append("pod: mounts a service account token")
    if pod_spec.get("hostNetwork") or pod_spec.get("hostPID") or pod_spec.get("hostIPC"):
        found.append("pod: shares a host namespace")
    for container in pod_spec.get("initContainers", []):
        found += _container_problems(container, runs_to_completion=True)
    for container in pod_spec["containers"]:
        found += _container_problems(container, runs_to_completion=job)
    return found
