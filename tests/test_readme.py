"""The README's figures behind markers are the committed reports, never copies: the reliability,
benchmark, live evaluation, model quality, offline evaluation and handbook tables, the dashboard
load and decision log sizing figures.
``python tests/test_readme.py`` rewrites them from the reports (which only their make targets
write)."""

import json
import re
from pathlib import Path

import pytest

from fraud_bench import log_size, queue_bench, rules_backtest_bench
from fraud_bench.report import headline
from fraud_training import card_tables
from fraud_training.lifecycle import report as lifecycle
from fraud_training.live_eval import report as live_eval
from fraud_training.offline_eval import report as offline_eval

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK_ROWS = {
    "xgboost_handbook": "XGBoost, the handbook's 15 inputs",
    "random_forest_handbook": "random forest, 15 inputs",
    "logistic_regression_handbook": "logistic regression, 15 inputs",
    "xgboost_ours": "XGBoost, `fraudcore.features`",
}


def report(name: str) -> dict:
    return json.loads((ROOT / "reports" / name).read_text())


def model_quality() -> str:
    """`make train`: the model card's test week, model, policy and baselines as they alert."""
    card = json.loads((ROOT / "training" / "artifacts" / "model_card.json").read_text())
    return card_tables.headline(card)


def reliability_table() -> str:
    cases = report("reliability.json")["cases"]
    lines = [
        "| case | produced | scored (Redis) | lost | counted twice | dead-lettered "
        "| `transactions-scored`: records, missing, extra | `fraud-alerts`: alerts, missing, extra "
        "| dead letters: missing, extra |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in sorted(cases):
        c, t = cases[name], cases[name]["topics"]
        cells = [name, f"{c['produced']:,}", f"{c['scored']:,}", c["lost"], c["duplicated"]]
        cells += [
            c["dead_lettered"],
            f"{t['scored_records']:,}, {t['scored_missing']}, {t['scored_extra']}",
            f"{t['alerts']:,}, {t['alerts_missing']}, {t['alerts_extra']}",
            f"{t['letters_missing']}, {t['letters_extra']}",
        ]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def bench_table() -> str:
    return headline(report("bench.json"))


def live_eval_table() -> str:
    return live_eval.headline(report("live_eval.json"))


def handbook_table() -> str:
    """`make benchmark-handbook-published`: test-fold means, the published ones in brackets."""
    result = report("handbook_benchmark_published.json")
    protocol, published = result["protocol"], result["published"]
    lines = [
        f"Test folds, mean over {protocol['folds']}, {protocol['xgboost_tree_method']} trees "
        "(published in brackets):",
        "",
        "| model | ROC AUC | AP | CP@100 |",
        "| --- | --- | --- | --- |",
    ]
    for name, label in HANDBOOK_ROWS.items():
        cells = []
        for metric in ("auc", "ap", "cp100"):
            ours = f"{result['models'][name][metric]['mean']:.3f}"
            theirs = published.get(name, {}).get(metric, {}).get("mean")
            cells.append(ours if theirs is None else f"{ours} ({theirs:.3f})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def dashboard_load() -> str:
    """`make dashboard-load`: what every viewer received and how late."""
    r = report("dashboard_load.json")
    received = (
        f"every client received all {r['scored']:,} points"
        if r["points_per_client_min"] == r["points_per_client_max"] == r["scored"]
        else f"clients received {r['points_per_client_min']:,} to "
        f"{r['points_per_client_max']:,} of {r['scored']:,} points"
    )
    return (
        f"Measured with {r['clients']} SSE clients while {r['rate_tps_requested']:,} tx/s flow "
        "(`make dashboard-load`,\n[`reports/dashboard_load.json`](reports/dashboard_load.json)): "
        f"{received};\ndelivery lag p50 {r['lag_ms_p50']:.0f} ms, p99 {r['lag_ms_p99']:.0f} ms, "
        f"max {r['lag_ms_max']:.0f} ms; the dashboard used "
        f"{r['dashboard_cpu_share_of_one_core']:.1%} of one core."
    )


SECTIONS = {
    "reliability": reliability_table,
    "bench": bench_table,
    "live_eval": live_eval_table,
    "live_eval_log": lambda: live_eval.log_headline(report("live_eval.json")),
    "handbook": handbook_table,
    "dashboard-load": dashboard_load,
    "decision-log-size": lambda: log_size.sentence(report(log_size.REPORT)),
    "queue-bench": lambda: queue_bench.sentence(report(queue_bench.REPORT)),
    "rules-backtest-bench": lambda: rules_backtest_bench.sentence(
        report(rules_backtest_bench.REPORT)
    ),
    "model-quality": model_quality,
    "evaluation": lambda: offline_eval.headline(report(offline_eval.JSON_FILE)),
    "lifecycle": lambda: lifecycle.headline(report(lifecycle.JSON_FILE)),
}


def pattern(name: str) -> re.Pattern[str]:
    """The lines between a section's markers; the markers' indentation is the section's."""
    return re.compile(
        rf"^(?P<indent>[ ]*)<!-- {name}:start -->\n(?P<body>.*?)\n[ ]*<!-- {name}:end -->",
        re.S | re.M,
    )


def rendered(name: str, indent: str) -> str:
    return "\n".join(indent + line if line else "" for line in SECTIONS[name]().split("\n"))


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_readme_section_matches_the_report(name: str) -> None:
    readme = (ROOT / "README.md").read_text()
    found = pattern(name).search(readme)
    assert found, f"README lacks the {name} markers"
    expected = rendered(name, found.group("indent"))
    assert found.group("body") == expected, "regenerate: python tests/test_readme.py"


if __name__ == "__main__":  # rewrite the README sections from the reports
    path = ROOT / "README.md"
    text = path.read_text()
    for name in SECTIONS:
        text = pattern(name).sub(
            lambda m, n=name: (
                f"{m['indent']}<!-- {n}:start -->\n{rendered(n, m['indent'])}\n"
                f"{m['indent']}<!-- {n}:end -->"
            ),
            text,
        )
    path.write_text(text)
