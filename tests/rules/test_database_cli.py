"""fraud-rules against the decision log's database: apply a file (all or nothing, a malformed
rule refused with the error pointed at), list what is stored, promote one version, the audit."""

from pathlib import Path

import pytest

from fraud_rules.cli import main

pytestmark = pytest.mark.integration

GOOD = """rules:
  - id: R05-BIG-NEW-MERCHANT
    version: 1
    expression: amount > 5000 and new_merchant
    action: review
    reason: a large payment at a merchant new to the card
    status: shadow
"""
BAD = GOOD.replace("R05-BIG-NEW-MERCHANT", "R06").replace("new_merchant", "new_merchnt")


@pytest.fixture
def database(decision_log_factory, monkeypatch):
    settings = decision_log_factory()
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    return settings


def test_apply_list_promote_and_history(database, tmp_path: Path, capsys) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(GOOD)
    assert main(["apply", str(rules), "--actor", "ci"]) == 0
    out = capsys.readouterr().out
    assert "R05-BIG-NEW-MERCHANT v1: created shadow" in out
    assert out.rstrip().endswith("rules revision 1")

    assert main(["list"]) == 0
    listed = capsys.readouterr()
    assert "rules revision 1" in listed.err
    assert "R05-BIG-NEW-MERCHANT v1  shadow" in listed.out
    assert "R01-IMPOSSIBLE-TRAVEL v1  active" in listed.out

    assert main(["activate", "R05-BIG-NEW-MERCHANT", "1", "--actor", "ana"]) == 0
    assert "shadow -> active" in capsys.readouterr().out
    assert main(["history", "R05-BIG-NEW-MERCHANT"]) == 0
    trail = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in trail] == ["ci", "ana"]
    assert trail[1].split(": ", 1)[1].startswith("shadow -> active")


def test_a_malformed_rule_is_refused_pointed_and_nothing_written(database, tmp_path, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text(GOOD + BAD.removeprefix("rules:\n"))
    assert main(["apply", str(rules)]) == 1
    err = capsys.readouterr().err
    assert "R06 version 1: line 1, column 19: unknown name 'new_merchnt'" in err
    assert err.rstrip().endswith("^")
    assert main(["list"]) == 0
    assert "rules revision 0 (the built-in baseline)" in capsys.readouterr().err


def test_a_changed_version_is_refused(database, tmp_path, capsys) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(GOOD)
    assert main(["apply", str(rules)]) == 0
    rules.write_text(GOOD.replace("5000", "4000"))
    assert main(["apply", str(rules)]) == 1
    assert "a changed rule is a new version" in capsys.readouterr().err


def test_compare_reads_the_log_and_says_when_nothing_ran_in_shadow(database, capsys) -> None:
    assert main(["compare"]) == 0
    assert capsys.readouterr().out == "no rule ran in shadow in the decision log's last 1 days\n"
    assert main(["compare", "--days", "3", "--json"]) == 0
    assert capsys.readouterr().out == "[]\n"
    with pytest.raises(SystemExit):
        main(["compare", "--days", "0"])
