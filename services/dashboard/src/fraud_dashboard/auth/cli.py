"""``fraud-dashboard users``: add, remove and list the users of a users file. A password is
read from the terminal (asked twice) or from standard input with ``--password-stdin``, never
from the command line; a token is generated and shown once."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from pathlib import Path

from fraud_dashboard.auth.users import (
    NAME,
    Role,
    User,
    UsersFileError,
    hash_password,
    new_token,
    parse,
    token_secret,
)

HEADER = "# fraud-dashboard users: name:role:secret (argon2id hash, or sha256:<hex> of a token)\n"


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="fraud-dashboard users", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a user, or replace one's role and secret")
    add.add_argument("name")
    add.add_argument("--role", choices=[role.value for role in Role], required=True)
    add.add_argument("--file", type=Path, required=True, help="the users file (made if missing)")
    how = add.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    how.add_argument("--token", action="store_true", help="generate an API token instead")
    remove = commands.add_parser("remove", help="remove a user (signed out at once)")
    remove.add_argument("name")
    remove.add_argument("--file", type=Path, required=True)
    listing = commands.add_parser("list", help="names and roles")
    listing.add_argument("--file", type=Path, required=True)
    return main


def _read(path: Path) -> dict[str, User]:
    return parse(path.read_text(encoding="utf-8"), str(path)) if path.exists() else {}


def _write(path: Path, users: dict[str, User]) -> None:
    """Atomically, readable by its owner only: a reader never sees half a file."""
    text = HEADER + "".join(user.line() + "\n" for user in users.values())
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the passwords differ")
    return first


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        users = _read(args.file)
        if args.command == "list":
            for user in users.values():
                kind = "token" if user.has_token else "password"
                print(f"{user.name}\t{user.role.value}\t{kind}")
            return 0
        if args.command == "remove":
            if users.pop(args.name, None) is None:
                raise ValueError(f"no user {args.name!r} in {args.file}")
            _write(args.file, users)
            return 0
        if not NAME.match(args.name):
            raise ValueError("a name is 1-64 of A-Z a-z 0-9 _ . -")
        token = new_token() if args.token else None
        secret = token_secret(token) if token else hash_password(_password(args.password_stdin))
        users[args.name] = User(args.name, Role(args.role), secret)
        _write(args.file, users)
    except (ValueError, UsersFileError, OSError) as error:
        print(f"fraud-dashboard users: {error}", file=sys.stderr)
        return 2
    if token:
        print(token)  # shown once: only its hash is kept
    return 0
