"""Writes the EDA page: figures and tables with findings worded from the numbers they show."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from fraud_simulator.catalog import GENUINE, SCENARIOS
from fraud_training.eda import figures, tables

AP_BAR = 0.5  # the dataset is designed so that no raw field alone reaches this AP


@dataclass
class Section:
    title: str
    findings: list[str]
    figure: str | None = None
    table: pd.DataFrame | None = None
    number_format: str = "{:.3f}"
    notes: list[str] = field(default_factory=list)

    def to_html(self) -> str:
        parts = [f"<h2>{html.escape(self.title)}</h2>", "<ul>"]
        parts += [f"<li>{html.escape(text)}</li>" for text in self.findings]
        parts.append("</ul>")
        if self.figure:
            parts.append(f'<img src="{self.figure}" alt="{html.escape(self.title)}">')
        if self.table is not None:
            parts.append(_table_html(self.table, self.number_format))
        parts += [f"<p class=note>{html.escape(text)}</p>" for text in self.notes]
        return "\n".join(parts)


def _table_html(frame: pd.DataFrame, number_format: str) -> str:
    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else number_format.format(value)
        return html.escape(str(value))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [frame.index.name or "", *frame])
    rows = [
        f"<tr><th>{html.escape(str(index))}</th>"
        + "".join(f"<td>{cell(v)}</td>" for v in row)
        + "</tr>"
        for index, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    ]
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%"


def separability_findings(raw_ap: pd.DataFrame, engineered_ap: pd.DataFrame | None) -> list[str]:
    raw_ap = raw_ap.drop(index=tables.PREVALENCE)
    if engineered_ap is not None:
        engineered_ap = engineered_ap.drop(index=tables.PREVALENCE)
    best_any = raw_ap["any"].idxmax()
    per_scenario = raw_ap.drop(columns="any")
    worst_case = raw_ap.max().max()
    column, scenario = per_scenario.stack().idxmax()
    lines = [
        f"Best raw field against all fraud: {best_any} (AP {raw_ap['any'].max():.3f}).",
        f"Best raw field against a single scenario: {column} on {scenario} "
        f"(AP {per_scenario.max().max():.3f}).",
        (
            f"No single raw field reaches AP {AP_BAR} alone, overall or for any scenario."
            if worst_case < AP_BAR
            else f"A single raw field reaches AP {worst_case:.3f} >= {AP_BAR}: {column}."
        ),
    ]
    if engineered_ap is not None:
        top = engineered_ap["any"].head(3)
        lines.append(
            "Strongest engineered features alone (all fraud): "
            + ", ".join(f"{name} {ap:.3f}" for name, ap in top.items())
            + "; per scenario the best is "
            + "; ".join(
                f"{scenario}: {best} {engineered_ap.loc[best, scenario]:.3f}"
                for scenario, best in engineered_ap.drop(columns="any").idxmax().items()
            )
            + "."
        )
    return lines


def build_sections(
    table: pd.DataFrame,
    out: Path,
    engineered_ap: pd.DataFrame | None,
) -> list[Section]:
    balance = tables.class_balance(table)
    scenarios = [name for name in SCENARIOS if name in set(table["scenario"])]
    fraud_rate = float(table["is_fraud"].mean())
    largest = balance.drop(GENUINE, errors="ignore")["share_of_fraud"].idxmax()
    amounts = tables.amount_summary(table)
    by_category = table.groupby("merchant_category")["is_fraud"].mean()
    times = tables.time_summary(table)
    speed = tables.velocity_summary(table)
    raw_ap = tables.raw_field_ap(table, scenarios)
    scenario_table = tables.per_scenario(table)
    most_abroad = scenario_table.drop(GENUINE, errors="ignore")["abroad"].idxmax()
    dearer, compared = _categories_where_fraud_is_dearer(table)
    days = (table["event_time"].iloc[-1] - table["event_time"].iloc[0]).days + 1
    return [
        Section(
            "Class balance",
            [
                f"{len(table):,} transactions over {days} days, {int(table['is_fraud'].sum()):,} "
                f"frauds ({_pct(fraud_rate)}).",
                f"Largest scenario: {largest} ({_pct(balance.loc[largest, 'share_of_fraud'])} of "
                "fraud); the smallest is "
                f"{balance.drop(GENUINE, errors='ignore')['share_of_fraud'].idxmin()}.",
            ],
            figures.class_balance(table, out),
            balance,
        ),
        Section(
            "Amounts",
            [
                f"Median amount: genuine {amounts['genuine_median']:.2f}, fraud "
                f"{amounts['fraud_median']:.2f}.",
                f"{_pct(amounts['fraud_above_genuine_p99'])} of frauds exceed the genuine 99th "
                f"percentile ({amounts['genuine_p99']:.2f}): amount alone cannot isolate fraud.",
                f"Fraud rate by category ranges from {_pct(by_category.min())} "
                f"({by_category.idxmin()}) to {_pct(by_category.max())} ({by_category.idxmax()}).",
            ],
            figures.amount_by_class(table, out),
        ),
        Section(
            "Amount by merchant category",
            [
                f"The fraud median exceeds the genuine median in {dearer} of {compared} "
                "categories, while the fraud rate differs by category (right).",
                *_relative_amount_finding(engineered_ap),
            ],
            figures.amount_by_category(table, out),
        ),
        Section(
            "Time of day and weekday",
            [
                "Share of payments at local night (00-06): genuine "
                f"{_pct(times['genuine_night_share'])}, fraud {_pct(times['fraud_night_share'])} "
                "(local hour = UTC + lon/15).",
                f"Fraud rate by local weekday ranges from {_pct(times['weekday_rate_min'])} to "
                f"{_pct(times['weekday_rate_max'])}.",
            ],
            figures.time_patterns(table, out),
        ),
        Section(
            "Geography",
            [
                "Share of payments outside the card's usual country: "
                + ", ".join(
                    f"{name} {_pct(value)}" for name, value in scenario_table["abroad"].items()
                )
                + f"; highest for {most_abroad}.",
            ],
            figures.geography(table, out),
        ),
        Section(
            "Velocity",
            [
                "Fraud rate with the card's first payment in an hour: "
                f"{_pct(speed['rate_single'])}; with 3 or more: {_pct(speed['rate_3_plus'])} "
                f"({_pct(speed['share_3_plus'])} of all payments, "
                f"{_pct(speed['fraud_share_3_plus'])} of frauds).",
            ],
            figures.velocity(table, out),
        ),
        Section(
            "Per scenario",
            [
                "Each scenario on the raw fields and on simple history (abroad = outside the "
                "card's most frequent country; velocity = card's payments in the last hour).",
            ],
            figures.scenarios(table, out),
            scenario_table,
            "{:.2f}",
        ),
        Section(
            "What separates fraud: single-field average precision",
            separability_findings(raw_ap, engineered_ap),
            figures.single_feature_ap(
                raw_ap["any"], out, "raw_field_ap.png", "Raw fields alone, all fraud"
            ),
            raw_ap,
            notes=[
                "Numbers are scored with a threshold either way; categories with their in-sample "
                "fraud rate (optimistic). Identifiers (card, customer, merchant, device ids) are "
                "left out: their in-sample rate memorises who was hit and does not generalise.",
            ],
        ),
    ]


def _relative_amount_finding(engineered_ap: pd.DataFrame | None) -> list[str]:
    """Raw amount against amount relative to the card's usual, each scored alone."""
    wanted = ["amount", "amount_to_card_mean", "amount_zscore"]
    if engineered_ap is None or not set(wanted) <= set(engineered_ap.index):
        return []
    ap = engineered_ap.loc[wanted]
    return [
        "Alone (AP, all fraud / inflated_amounts): "
        + "; ".join(
            f"{name} {row['any']:.3f} / {row.get('inflated_amounts', float('nan')):.3f}"
            for name, row in ap.iterrows()
        )
        + "."
    ]


def _categories_where_fraud_is_dearer(table: pd.DataFrame) -> tuple[int, int]:
    medians = table.groupby(["merchant_category", "is_fraud"])["amount"].median().unstack()
    medians = medians.dropna()
    if True not in medians or False not in medians:
        return 0, 0
    return int((medians[True] > medians[False]).sum()), len(medians)


def engineered_section(engineered_ap: pd.DataFrame, out: Path) -> Section:
    table, engineered_ap = engineered_ap, engineered_ap.drop(index=tables.PREVALENCE)
    return Section(
        "Engineered features alone (fraudcore.features)",
        [
            f"{(engineered_ap['any'] > 0.1).sum()} of {len(engineered_ap)} features reach AP 0.1 "
            f"alone against all fraud; the best reaches {engineered_ap['any'].max():.3f}.",
            f"{engineered_ap.drop(columns='any').idxmax().nunique()} different features lead "
            f"across the {engineered_ap.shape[1] - 1} scenarios.",
        ],
        figures.single_feature_ap(
            engineered_ap["any"],
            out,
            "engineered_feature_ap.png",
            "Engineered features alone, all fraud",
        ),
        table,
    )


def write_report(sections: Sequence[Section], out: Path, source: str) -> Path:
    body = "\n".join(section.to_html() for section in sections)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fraud dataset EDA</title>
<style>
body {{ font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
img {{ max-width: 100%; }} .note {{ color: #666; font-size: 0.85em; }}
</style></head><body>
<h1>Exploratory analysis of the simulated payments</h1>
<p>Data: {html.escape(source)}. Every sentence below is generated from the numbers shown.</p>
{body}
</body></html>
"""
    path = out / "index.html"
    path.write_text(page)
    return path
