"""Panel builders on top of grafana-foundation-sdk with this project's defaults.

Every panel queries the dashboard's ``$datasource`` variable, so one JSON file works with the
compose datasource and with whatever a cluster's Grafana calls its Prometheus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fraud_monitoring.sdk import (
    Dataquery,
    Threshold,
    ThresholdsConfig,
    ThresholdsMode,
    cogbuilder,
    cogvariants,
    common,
    common_builders,
    stat,
    timeseries,
)

DATASOURCE_VARIABLE = "datasource"
DATASOURCE = common.DataSourceRef(type_val="prometheus", uid=f"${{{DATASOURCE_VARIABLE}}}")


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Limit:
    """A threshold drawn on a panel: values at or above ``value`` turn ``color``."""

    value: float
    color: str = "red"


def _targets(queries: Sequence[Query]) -> list[cogbuilder.Builder[cogvariants.Dataquery]]:
    # refIds A, B, C...: Grafana needs them unique within a panel.
    return [
        Dataquery().ref_id(chr(ord("A") + index)).expr(query.expr).legend_format(query.legend)
        for index, query in enumerate(queries)
    ]


def _thresholds(limits: Sequence[Limit], base: str = "green") -> ThresholdsConfig:
    steps = [Threshold(value=None, color=base)]  # the base step has no lower bound
    steps += [Threshold(value=limit.value, color=limit.color) for limit in limits]
    return ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(steps)


def time_series(
    title: str,
    description: str,
    queries: Sequence[Query],
    *,
    unit: str,
    limits: Sequence[Limit] = (),
    min_val: float | None = 0,
    max_val: float | None = None,
    width: int = 12,
    height: int = 8,
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(_targets(queries))
        .unit(unit)
        .span(width)
        .height(height)
        .line_width(1)
        .fill_opacity(10)
        .legend(
            common_builders.VizLegendOptions()
            .show_legend(True)
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
        )
        .tooltip(
            common_builders.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.MULTI)
            .sort(common.SortOrder.DESCENDING)
        )
        .thresholds(_thresholds(limits))
    )
    if limits:  # draw the limit as a dashed line across the graph
        panel = panel.thresholds_style(
            common_builders.GraphThresholdsStyleConfig().mode(
                common.GraphThresholdsStyleMode.DASHED
            )
        )
    if min_val is not None:
        panel = panel.min(min_val)
    if max_val is not None:
        panel = panel.max(max_val)
    return panel


def single_stat(
    title: str,
    description: str,
    queries: Sequence[Query],
    *,
    unit: str = "none",
    limits: Sequence[Limit] = (),
    base_color: str = "green",
    show_name: bool = False,
    width: int = 6,
    height: int = 4,
) -> stat.Panel:
    """The last value of each series as a big number (or its legend, with ``show_name``)."""
    text_mode = (
        common.BigValueTextMode.NAME if show_name else common.BigValueTextMode.VALUE_AND_NAME
    )
    return (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(_targets(queries))
        .unit(unit)
        .span(width)
        .height(height)
        .text_mode(text_mode)
        .color_mode(common.BigValueColorMode.BACKGROUND)
        .graph_mode(common.BigValueGraphMode.NONE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
        .thresholds(_thresholds(limits, base_color))
    )
