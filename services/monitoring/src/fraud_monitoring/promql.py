"""PromQL built from metric specs, and the metric and label names a finished query refers to.

Builders take a ``MetricSpec`` (never a typed-out name) and refuse labels the metric does not
have, so a renamed metric or label fails when the dashboards and rules are generated.
``references`` reads any finished expression back, so tests can check hand-written parts too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fraud_monitoring.contract import INFO_KEYS, TARGET_LABELS, known_series, series_labels
from fraudcore.metrics import MetricSpec

# Grafana replaces this with a window of at least four scrape intervals; queries evaluated
# outside Grafana (alert rules, tests) use a fixed window instead.
RATE_INTERVAL = "$__rate_interval"

Matcher = tuple[str, str, str]  # (label, operator, value), e.g. ("status", "=~", "2..")


def _check_labels(spec: MetricSpec, labels: Sequence[str]) -> None:
    allowed = {*spec.labels, *TARGET_LABELS, *INFO_KEYS.get(spec.name, ())}
    unknown = [label for label in labels if label not in allowed]
    if unknown:
        raise ValueError(f"{spec.name} has no label {unknown}; its labels are {spec.labels}")


def _series(spec: MetricSpec, suffix: str) -> str:
    name = spec.name + suffix
    if name not in series_labels(spec):
        raise ValueError(f"{spec.kind} {spec.name} exports no series {name}")
    return name


def selector(spec: MetricSpec, *, suffix: str = "", matchers: Sequence[Matcher] = ()) -> str:
    """``name{label op "value", ...}``; ``suffix`` picks a histogram's _bucket/_sum/_count."""
    _check_labels(spec, [label for label, _, _ in matchers])
    inner = ", ".join(f'{label}{op}"{value}"' for label, op, value in matchers)
    name = _series(spec, suffix)
    return f"{name}{{{inner}}}" if inner else name


def _grouped(op: str, by: Sequence[str], inner: str) -> str:
    return f"{op} by ({', '.join(by)}) ({inner})" if by else f"{op}({inner})"


def rate(
    spec: MetricSpec,
    window: str = RATE_INTERVAL,
    *,
    by: Sequence[str] = (),
    matchers: Sequence[Matcher] = (),
    func: str = "rate",
) -> str:
    """Per-second rate of a counter (or of a histogram's observations), summed by ``by``."""
    if spec.kind not in ("counter", "histogram"):
        raise ValueError(f"{func}() needs a counter or histogram, {spec.name} is a {spec.kind}")
    _check_labels(spec, by)
    suffix = "_count" if spec.kind == "histogram" else ""
    return _grouped(
        "sum", by, f"{func}({selector(spec, suffix=suffix, matchers=matchers)}[{window}])"
    )


def quantile(
    spec: MetricSpec, q: float, window: str = RATE_INTERVAL, *, by: Sequence[str] = ()
) -> str:
    """The q-quantile of a histogram over ``window``, merged across instances per ``by``."""
    if spec.kind != "histogram":
        raise ValueError(f"histogram_quantile needs a histogram, {spec.name} is a {spec.kind}")
    _check_labels(spec, by)
    # Sum the bucket rates across pods first: quantiles of quantiles are meaningless.
    buckets = _grouped("sum", ("le", *by), f"rate({_series(spec, '_bucket')}[{window}])")
    return f"histogram_quantile({q:g}, {buckets})"


def gauge(spec: MetricSpec, op: str = "sum", *, by: Sequence[str] = ()) -> str:
    """A gauge (or info metric) aggregated across instances with ``op``."""
    if spec.kind not in ("gauge", "info"):
        raise ValueError(f"{spec.name} is a {spec.kind}, not a gauge")
    _check_labels(spec, by)
    return _grouped(op, by, spec.name)


# --- reading expressions back -------------------------------------------------------------------

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_MATCHERS = re.compile(r"\{([^}]*)\}")
_MATCHER_LABEL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)")
_RANGE = re.compile(r"\[[^\]]*\]")
_IDENTIFIER = re.compile(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right"}
    | {"offset", "bool", "inf", "nan", "atan2"}
)


@dataclass(frozen=True)
class References:
    metrics: frozenset[str]
    labels: frozenset[str]


def references(expr: str) -> References:
    """Metric names and label names an expression uses (selectors, matchers, grouping)."""
    text = _STRING.sub('""', expr)
    labels: set[str] = set()
    for match in _GROUPING.finditer(text):
        labels.update(part.strip() for part in match.group(1).split(",") if part.strip())
    text = _GROUPING.sub(" ", text)
    for match in _MATCHERS.finditer(text):
        labels.update(_MATCHER_LABEL.findall(match.group(1)))
    text = _RANGE.sub(" ", _MATCHERS.sub(" ", text))
    metrics = {
        name
        for name, call in _IDENTIFIER.findall(text)
        if not call and name.lower() not in _KEYWORDS
    }
    return References(frozenset(metrics), frozenset(labels))


def unknown_references(expr: str) -> list[str]:
    """What an expression names that no fraud metric exports; empty when all is known."""
    series = known_series()
    refs = references(expr)
    problems = [f"unknown metric {name}" for name in sorted(refs.metrics - series.keys())]
    available = {*TARGET_LABELS}
    for name in refs.metrics & series.keys():
        available.update(series[name])
    problems += [f"unknown label {label}" for label in sorted(refs.labels - available)]
    return problems
