"""``fraud-dashboard users``: passwords from stdin only, hashes in a file only its owner reads,
a token shown once, precise errors."""

import io
import stat

import pytest

from fraud_dashboard.auth.users import UsersFile, token_secret
from fraud_dashboard.main import main

PASSWORD = "correct-horse-battery"


def test_add_list_and_remove_users(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "users"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "ana", "--role", "analyst", "--file", str(path),
                 "--password-stdin"]) == 0  # fmt: skip
    assert main(["users", "add", "bot", "--role", "viewer", "--file", str(path), "--token"]) == 0
    token = capsys.readouterr().out.strip()
    text = path.read_text()
    assert PASSWORD not in text
    assert token not in text
    assert token_secret(token) in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = UsersFile(path)
    assert users.check_password("ana", PASSWORD).name == "ana"
    assert users.check_token(token).name == "bot"

    assert main(["users", "list", "--file", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == ["ana\tanalyst\tpassword", "bot\tviewer\ttoken"]
    assert main(["users", "remove", "bot", "--file", str(path)]) == 0
    assert set(UsersFile(path).users()) == {"ana"}


@pytest.mark.parametrize(
    ("argv", "stdin", "error"),
    [
        (["add", "ana", "--role", "analyst", "--password-stdin"], "short\n", "at least 12"),
        (["add", "a:b", "--role", "analyst", "--token"], "", "a name is 1-64"),
        (["remove", "nobody"], "", "no user 'nobody'"),
    ],
)
def test_mistakes_are_explained(tmp_path, monkeypatch, capsys, argv, stdin, error) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(["users", *argv, "--file", str(tmp_path / "users")]) == 2
    assert error in capsys.readouterr().err
