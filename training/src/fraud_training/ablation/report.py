"""The ablation report's Markdown, rendered from its JSON only (a test re-renders it)."""

from __future__ import annotations

from typing import Any

JSON_FILE, MARKDOWN_FILE = "ablation.json", "ablation.md"
WEAK = ("inflated_amounts", "category_anomaly")


def _ci(figure: dict[str, float] | None, signed: bool = False) -> str:
    if figure is None:
        return ""
    sign = "+" if signed else ""
    return f"{figure['value']:{sign}.3f} [{figure['low']:{sign}.3f}, {figure['high']:{sign}.3f}]"


def _world(world: dict[str, Any], base: str) -> list[str]:
    variants = world["variants"]
    scenarios = [k for k in next(iter(variants.values()))["figures"] if k != "ap"]
    ordered = [*[s for s in WEAK if s in scenarios], *[s for s in scenarios if s not in WEAK]]
    week = world["test_week"]
    lines = [
        f"## {world['file']} ({world['rows']:,} payments; test week {week['assess']}, "
        f"trained on {week['train']})",
        "",
        "Frauds in the test week: "
        + ", ".join(f"{k} {v}" for k, v in sorted(world["test_frauds"].items()))
        + ".",
        "",
        "| variant | AP | " + " | ".join(f"recall {s}" for s in ordered) + " |",
        "|---" * (2 + len(ordered)) + "|",
    ]
    for name, result in variants.items():
        figures = result["figures"]
        lines.append(f"| {name} | {_ci(figures['ap'])} | "
                     + " | ".join(_ci(figures[s]) for s in ordered) + " |")  # fmt: skip
    lines += ["", f"Difference from {base} (paired replicates):", "",
              "| variant | AP | " + " | ".join(ordered) + " |",
              "|---" * (2 + len(ordered)) + "|"]  # fmt: skip
    lines += _differences(variants, ordered, "vs_base")
    if any(result.get("vs_model") for result in variants.values()):
        lines += ["", "Candidates' difference from model_inputs (paired replicates):", "",
                  "| variant | AP | " + " | ".join(ordered) + " |",
                  "|---" * (2 + len(ordered)) + "|",
                  *_differences(variants, ordered, "vs_model")]  # fmt: skip
    return [*lines, ""]


def _differences(variants: dict[str, Any], ordered: list[str], key: str) -> list[str]:
    return [
        f"| {name} | {_ci(delta['ap'], True)} | "
        + " | ".join(_ci(delta[s], True) for s in ordered) + " |"
        for name, result in variants.items()
        if (delta := result.get(key))
    ]  # fmt: skip


def markdown(result: dict[str, Any]) -> str:
    protocol, params, boot = result["protocol"], result["xgboost"], result["bootstrap"]
    lines = [
        "# Feature ablation (fraud-train ablate)",
        "",
        f"Quick protocol: one XGBoost (depth {params['max_depth']}, rate "
        f"{params['learning_rate']}, {params['n_estimators']} trees, min child weight "
        f"{params['min_child_weight']}; no search) trained on {protocol['train_days']} days "
        f"ending {protocol['gap_days']} days before each world's last {protocol['test_days']}; "
        f"recall at the {protocol['review_alert_rate']:.0%} review budget of the test week. "
        f"95% intervals from {boot['replicates']} card-bootstrap replicates, the same for every "
        "variant, so differences are paired. It ranks features; `make train` measures the model.",
        "",
        f"Groups of added features ({result['base']}: the inputs before any of them; "
        "model_inputs-X: without group X):",
        "",
        *[f"- {name}: {', '.join(columns)}" for name, columns in result["groups"].items()],
        "",
        "Candidates, not model inputs (model_inputs+X: with candidate group X; "
        "`fraudcore.features.candidates`):",
        "",
        *[
            f"- {name}: {', '.join(columns)}"
            for name, columns in result.get("candidates", {}).items()
        ],
        "",
    ]
    for world in result["worlds"]:
        lines += _world(world, result["base"])
    return "\n".join(lines)
