"""The generated rule file through promtool: syntax (check rules) and behaviour (test rules)."""

import subprocess
from collections import defaultdict
from pathlib import Path

import yaml

from fraud_monitoring import alerts, generate

ROOT = Path(__file__).resolve().parents[2]
TEST_FILES = sorted((Path(__file__).parent / "promtool").glob("*.test.yml"))


def _run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)


def test_rule_file_passes_promtool_check(promtool: str) -> None:
    result = _run(promtool, "check", "rules", str(ROOT / generate.RULES_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alerts.alerts())} rules found" in result.stdout


def test_promtool_unit_tests_pass(promtool: str) -> None:
    assert TEST_FILES
    result = _run(promtool, "test", "rules", *map(str, TEST_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_unit_tests_load_the_generated_rule_file() -> None:
    for test_file in TEST_FILES:
        spec = yaml.safe_load(test_file.read_text())
        loaded = [(test_file.parent / path).resolve() for path in spec["rule_files"]]
        assert loaded == [(ROOT / generate.RULES_FILE).resolve()], test_file


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    cases: dict[str, set[str]] = defaultdict(set)
    for test_file in TEST_FILES:
        for group in yaml.safe_load(test_file.read_text())["tests"]:
            for case in group.get("alert_rule_test", []):
                cases[case["alertname"]].add("fires" if case.get("exp_alerts") else "silent")
    missing = {
        alert.name: {"fires", "silent"} - cases[alert.name]
        for alert in alerts.alerts()
        if cases[alert.name] != {"fires", "silent"}
    }
    assert missing == {}
    assert set(cases) <= {alert.name for alert in alerts.alerts()}  # no test of a gone alert
