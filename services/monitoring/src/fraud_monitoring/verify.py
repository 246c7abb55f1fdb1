"""Checks of a live Prometheus: targets up, every dashboard panel query answering with data.

Used by the integration tests against the sample exporters now, and meant for the same check
against the real pipeline (compose or ``make dev``): point a ``PrometheusServer`` at the real
targets and call the same functions.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

from fraud_monitoring.dashboard import PanelQuery, expand_grafana_variables, panel_queries
from fraud_monitoring.prometheus_server import PrometheusServer


def wait_for_targets(server: PrometheusServer, jobs: Sequence[str], *, timeout_s: float) -> None:
    """Until every target of ``jobs`` has been scraped successfully (discovery takes ~5 s)."""
    deadline = time.monotonic() + timeout_s
    health: dict[str, list[str]] = {}
    while time.monotonic() < deadline:
        health = {job: [] for job in jobs}
        for target in server.api("targets")["activeTargets"]:
            job = target["labels"].get("job")
            if job in health:
                health[job].append(target["health"])
        if all(states and set(states) == {"up"} for states in health.values()):
            return
        time.sleep(0.25)
    raise TimeoutError(f"targets not all up after {timeout_s:.0f} s: {health}")


def _has_number(result: list[dict[str, Any]]) -> bool:
    return any(math.isfinite(float(sample["value"][1])) for sample in result)


def failing_panel_queries(
    server: PrometheusServer,
    dashboard: Mapping[str, Any],
    *,
    rate_interval: str,
    timeout_s: float,
) -> dict[PanelQuery, str]:
    """Panel queries that still return no series (or only NaN) at the deadline, with why.

    Polls: right after the first scrapes a rate() has too few samples, which is not a failure.
    """
    pending = panel_queries(dashboard)
    errors: dict[PanelQuery, str] = {}  # PromQL errors never heal: no point in retrying them
    empty: dict[PanelQuery, str] = {}
    deadline = time.monotonic() + timeout_s
    while pending:
        empty = {}
        for query in pending:
            expr = expand_grafana_variables(query.expr, rate_interval=rate_interval)
            try:
                result = server.query(expr)
            except RuntimeError as error:
                errors[query] = str(error)
                continue
            if not result:
                empty[query] = "no series"
            elif not _has_number(result):
                empty[query] = f"only NaN/Inf: {result[:3]}"
        pending = list(empty)
        if pending and time.monotonic() < deadline:
            time.sleep(0.5)
        else:
            break
    return {**errors, **empty}
