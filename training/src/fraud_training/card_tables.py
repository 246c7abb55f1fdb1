"""The model card's evaluation tables beyond the per-payment figures: the deployed policy beside
the model, detection per incident, costs, what each rule adds, and feature importance. The
README's model-quality table is ``headline`` (a test renders it again from the card)."""

from __future__ import annotations

from typing import Any

HEADLINE = (
    ("xgboost", "review", "XGBoost alone, review threshold"),
    ("xgboost", "cost", "XGBoost alone, cost threshold"),
    ("raw_fields_xgboost", "review", "the design we replace: XGBoost on raw fields, review"),
    ("deployed_policy", "review", "deployed policy: model or rules R01-R04"),
    ("rules", "review", "rules R01-R04 alone"),
    ("logistic_regression", "review", "logistic regression, review threshold"),
)
INCIDENTS = (("xgboost", "review"), ("deployed_policy", "review"), ("rules", "review"))
# What the design this project replaces claims "on synthetic data" (its own, unpublished).
CLAIMED = {"recall": 0.85, "precision": 0.74, "f1": 0.79, "accuracy": 0.98}


def f(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def headline(card: dict[str, Any]) -> str:
    """Per payment, per incident and in cost, on the test week, for each scorer as it alerts;
    then the replaced design's claim beside that design and ours on the same week."""
    test, cost = card["metrics"]["test"], card["metrics"]["cost"]
    rows = [
        "| scorer | AP | alert rate | precision | recall | F1 | amount-weighted recall "
        "| incidents detected | cost (alert nothing: "
        f"{cost['alert_nothing']:,.0f}) |",
        "| --- |" + " --- |" * 8,
    ]
    for name, threshold, label in HEADLINE:
        if name not in test:  # the raw-field baseline needs a world dataset's fields
            continue
        m = test[name][threshold]
        rows.append(
            f"| {label} | {f(test[name].get('ap'))} | {m['alert_rate']:.2%} | {f(m['precision'])} "
            f"| {f(m['recall'])} | {f(m['f1'])} | {f(m['amount_weighted_recall'])} "
            f"| {f(m['incidents']['all']['detection_rate'])} "
            f"| {cost[name][threshold]['total']:,.0f} |"
        )
    return "\n".join([*rows, "", *claim_table(test)])


def claim_table(test: dict[str, Any]) -> list[str]:
    c = CLAIMED
    rows = [
        "| | recall at precision 0.74 | at the review threshold: precision | recall | F1 "
        "| accuracy |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| claimed by the design we replace (its own data) | {c['recall']:.2f} "
        f"| {c['precision']:.2f} | {c['recall']:.2f} | {c['f1']:.2f} | {c['accuracy']:.2f} |",
    ]
    for name, label in (
        ("raw_fields_xgboost", "that design (amount, hour, category, country) on our test week"),
        ("xgboost", "our model on the same week"),
    ):
        if name not in test:
            continue
        m, review = test[name], test[name]["review"]
        rows.append(
            f"| {label} | {f(m['recall_at_precision_0.74'])} | {f(review['precision'])} "
            f"| {f(review['recall'])} | {f(review['f1'])} | {f(review['accuracy'])} |"
        )
    return rows


def incident_table(test: dict[str, Any]) -> list[str]:
    rows = [
        "| scorer, threshold | scenario | incidents | detected | frauds per incident "
        "| frauds before the first alert: median, mean | minutes to detect: median, p90 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, threshold in INCIDENTS:
        for scenario, s in test[name][threshold]["incidents"].items():
            rows.append(
                f"| {name}, {threshold} | {scenario} | {s['incidents']} "
                f"| {f(s['detection_rate'])} | {f(s['frauds_per_incident_mean'], 1)} "
                f"| {f(s['payments_to_detect_median'], 0)}, {f(s['payments_to_detect_mean'], 2)} "
                f"| {f(s['minutes_to_detect_median'], 0)}, {f(s['minutes_to_detect_p90'], 0)} |"
            )
    return rows


def cost_table(cost: dict[str, Any]) -> list[str]:
    p = cost["parameters"]
    rows = [
        f"Every alert reviewed at {p['review_cost']:g}, a missed fraud loses "
        f"{p['fraud_loss_share']:.0%} of its amount ({p['units']}; {p['assumes']}); alerting "
        f"on nothing costs {cost['alert_nothing']:,.0f}.",
        "",
        "| scorer, threshold | threshold | alerts | review cost | fraud loss | total |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, thresholds in cost.items():
        if name in ("parameters", "alert_nothing"):
            continue
        for threshold, c in thresholds.items():
            rows.append(
                f"| {name}, {threshold} | {c['threshold']:.4g} | {c['alerts']:,} "
                f"| {c['review_cost']:,.0f} | {c['fraud_loss']:,.0f} | {c['total']:,.0f} |"
            )
    return rows


def rules_added_table(policy: dict[str, Any]) -> list[str]:
    rows = [
        "| rule | fires | on frauds | alerts the model alone approves | frauds among them |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for rule_id, r in policy["rules_added"].items():
        rows.append(
            f"| {rule_id} | {r['fires']:,} | {r['fires_on_fraud']:,} | {r['added_alerts']:,} "
            f"| {r['added_frauds']:,} |"
        )
    return rows


def importance_table(importance: dict[str, Any]) -> list[str]:
    by_feature = importance["by_feature"]
    rows = [
        f"Contributions: {importance['contributions']}.",
        "",
        "| feature | share of gain | mean abs contribution | mean contribution, frauds |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in sorted(by_feature, key=lambda n: -by_feature[n]["gain_share"]):
        i = by_feature[name]
        rows.append(
            f"| `{name}` | {f(i['gain_share'])} | {f(i['mean_abs_contribution'])} "
            f"| {f(i['mean_contribution_frauds'])} |"
        )
    return rows
