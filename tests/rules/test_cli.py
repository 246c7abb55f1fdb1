"""fraud-rules: validate points at the error and exits non-zero, list reads a rules file in git;
the committed baseline file is the baseline the engine runs."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fraud_rules.cli import main
from fraud_rules.files import RulesFileError, read_rules
from fraudcore.rules import BASELINE_RULES

BASELINE_FILE = Path(__file__).resolve().parents[2] / "services" / "rules" / "baseline.yaml"


def test_validate_exits_zero_for_a_valid_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "amount > 5000 and new_merchant"]) == 0
    assert capsys.readouterr().out == "valid\n"


def test_validate_points_at_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "amount > 5000 and\n  card_id in blocked_cardz"]) == 1
    assert capsys.readouterr().err == (
        "invalid rule: line 2, column 14: unknown name 'blocked_cardz'"
        " (did you mean 'blocked_cards'?)\n"
        "    card_id in blocked_cardz\n"
        "               ^\n"
    )


def test_validate_points_at_a_list_of_the_wrong_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "merchant_id in compromised_cards"]) == 1
    assert capsys.readouterr().err == (
        "invalid rule: line 1, column 1: compromised_cards holds cards: compare card_id, not "
        "merchant_id\n"
        "  merchant_id in compromised_cards\n"
        "  ^\n"
    )
    assert main(["validate", "card_id in compromised_cards and amount > 1000"]) == 0


def test_the_console_script_exits_non_zero_on_a_bad_rule() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fraud_rules.cli", "validate", "amount >> 5"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "line 1, column 9: expected a value, found '>'" in done.stderr


def test_the_committed_baseline_file_is_the_baseline() -> None:
    assert read_rules(BASELINE_FILE) == list(BASELINE_RULES)


def test_list_reads_yaml_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--file", str(BASELINE_FILE), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (first,) = [rule for rule in document["rules"] if rule["id"] == "R01-IMPOSSIBLE-TRAVEL"]
    first |= {"id": "R00-LOW", "priority": 1, "status": "shadow"}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(document))
    assert main(["list", "--file", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "R05-KNOWN-COMPROMISED",
        "R02-CARD-TESTING",
        "R03-NEW-DEVICE-HIGH-AMOUNT",
        "R04-RISKY-TERMINAL",
        "R00-LOW",
    ]
    assert lines[-1].startswith("R00-LOW v1  shadow  review priority 1 ")
    assert main(["validate", "--file", str(path)]) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: 3", "expected a mapping with a list under 'rules'"),
        ("rules: [{id: R1}]", "R1: "),
        (
            "rules: [{id: R1, version: 1, expression: 'amount >', action: block, reason: r}]",
            "R1 version 1: line 1, column 9: expected a value",
        ),
        ("rules: [{", "while parsing"),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(RulesFileError, match=r"rules\.yaml"):
        read_rules(path)
    assert main(["list", "--file", str(path)]) == 1
    assert message in capsys.readouterr().err
