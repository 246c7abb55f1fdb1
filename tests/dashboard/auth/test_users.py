"""The users file: parsed strictly, no default user, passwords checked with argon2id, tokens by
hash, changes read at once, a broken file signs nobody in."""

import os

import pytest

from fraud_dashboard.auth.users import (
    Role,
    UsersFile,
    UsersFileError,
    hash_password,
    new_token,
    parse,
    token_secret,
)

PASSWORD = "a-long-enough-secret"


def test_lines_are_users_comments_are_not() -> None:
    hashed, token = hash_password(PASSWORD), token_secret("t0ken")
    users = parse(f"# who\n\nana:analyst:{hashed}\n  bot:viewer:{token}  \n")
    assert [(u.name, u.role, u.has_token) for u in users.values()] == [
        ("ana", Role.ANALYST, False),
        ("bot", Role.VIEWER, True),
    ]
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("ana:admin:$argon2id$x", "role must be one of analyst, lead, viewer, not 'admin'"),
        ("a na:analyst:$argon2id$x", "a name is 1-64"),
        ("ana:analyst:plaintext", "neither an argon2 hash nor sha256:<hex>"),
        ("ana:analyst:sha256:abc", "neither an argon2 hash nor sha256:<hex>"),
        ("ana:analyst", "neither an argon2 hash"),
    ],
)
def test_a_bad_line_is_named_without_its_secret(line: str, why: str) -> None:
    with pytest.raises(UsersFileError, match="users file line 2") as raised:
        parse("# header\n" + line)
    assert why in str(raised.value)
    assert "plaintext" not in str(raised.value)


def test_a_name_listed_twice_is_refused() -> None:
    line = f"ana:viewer:{token_secret('x')}\n"
    with pytest.raises(UsersFileError, match="ana is listed twice"):
        parse(line * 2)


def test_a_short_password_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 12 characters"):
        hash_password("short")


def test_passwords_and_tokens_are_checked(tmp_path) -> None:
    path, token = tmp_path / "users", new_token()
    path.write_text(f"ana:analyst:{hash_password(PASSWORD)}\nbot:viewer:{token_secret(token)}\n")
    users = UsersFile(path)
    assert users.check_password("ana", PASSWORD).role is Role.ANALYST
    assert users.check_password("ana", PASSWORD + "x") is None
    assert users.check_password("eve", PASSWORD) is None
    assert users.check_password("bot", token) is None  # a token is no password
    assert users.check_token(token).name == "bot"
    assert users.check_token(token + "x") is None
    assert users.check_token(PASSWORD) is None


def test_no_file_means_nobody_and_changes_count_at_once(tmp_path, caplog) -> None:
    assert UsersFile(None).users() == {}
    path = tmp_path / "users"
    users = UsersFile(path)
    assert users.users() == {}
    path.write_text(f"ana:analyst:{token_secret('a')}\n")
    assert set(users.users()) == {"ana"}
    path.write_text(f"ana:viewer:{token_secret('a')}\nbo:viewer:{token_secret('b')}\n")
    os.utime(path, ns=(1, 1))  # a different stamp even within one clock tick
    assert users.get("ana").role is Role.VIEWER
    path.write_text("ana:root:nothing\n")
    os.utime(path, ns=(2, 2))
    assert users.users() == {}  # fail closed
    assert "nobody can sign in" in caplog.text
    with pytest.raises(UsersFileError):
        users.check()
