"""The users file: one user a line, ``name:role:secret``, where secret is an argon2id hash of a
password or ``sha256:<hex>`` of an API token (random, so a fast hash suffices). Lines starting
with ``#`` are comments. No file, or an empty one, means nobody can sign in; there is no
default user and no default password.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

log = logging.getLogger(__name__)
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
TOKEN_PREFIX = "sha256:"  # noqa: S105 - a format's prefix, not a secret
_TOKEN_HASH = re.compile(re.escape(TOKEN_PREFIX) + "[0-9a-f]{64}")
MIN_PASSWORD = 12
_HASHER = PasswordHasher()  # argon2id, the library's (RFC 9106 low-memory) parameters
# Verified when the name is unknown, so that an unknown name costs what a wrong password does.
_DECOY = _HASHER.hash(secrets.token_urlsafe(16))


class Role(StrEnum):
    ANALYST = "analyst"  # gives verdicts
    LEAD = "lead"  # an analyst who also changes the rules: writes, backtests, shadows, activates
    VIEWER = "viewer"  # sees everything, gives no verdict


GIVES_VERDICTS = frozenset({Role.ANALYST, Role.LEAD})
CHANGES_RULES = frozenset({Role.LEAD})


class UsersFileError(ValueError):
    """A users file line that cannot be used; says which line and why (never the secret)."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    secret: str

    @property
    def has_token(self) -> bool:
        return self.secret.startswith(TOKEN_PREFIX)

    def line(self) -> str:
        return f"{self.name}:{self.role.value}:{self.secret}"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def token_secret(token: str) -> str:
    return TOKEN_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def parse(text: str, source: str = "users file") -> dict[str, User]:
    users: dict[str, User] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition(":")
        role, _, secret = rest.partition(":")
        where = f"{source} line {number}"
        if not NAME.match(name):
            raise UsersFileError(f"{where}: a name is 1-64 of A-Z a-z 0-9 _ . -")
        if role not in Role.__members__.values():
            roles = ", ".join(Role)
            raise UsersFileError(f"{where}: role must be one of {roles}, not {role!r}")
        if not (secret.startswith("$argon2") or _TOKEN_HASH.fullmatch(secret)):
            raise UsersFileError(f"{where}: the secret is neither an argon2 hash nor sha256:<hex>")
        if name in users:
            raise UsersFileError(f"{where}: {name} is listed twice")
        users[name] = User(name, Role(role), secret)
    return users


@dataclass
class UsersFile:
    """The users, read again whenever the file changes (a removed user is signed out at once)."""

    path: Path | None
    _stamp: tuple[int, int] | None = None
    _users: dict[str, User] | None = None
    _missing_told: bool = False

    def users(self) -> dict[str, User]:
        if self.path is None:
            return {}
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            if not self._missing_told:  # once, not on every request
                log.warning("users file %s not found: nobody can sign in", self.path)
                self._missing_told = True
            self._users, self._stamp = None, None
            return {}
        self._missing_told = False
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._users is None or stamp != self._stamp:
            try:
                self._users = parse(self.path.read_text(encoding="utf-8"), str(self.path))
            except (UsersFileError, OSError, UnicodeDecodeError) as error:
                log.error("users file not used, nobody can sign in: %s", error)  # fail closed
                self._users = {}
            self._stamp = stamp
        return self._users

    def check(self) -> None:
        """Raises UsersFileError on a file that cannot be used (at start-up: fail fast)."""
        if self.path is not None and self.path.exists():
            parse(self.path.read_text(encoding="utf-8"), str(self.path))

    def get(self, name: str) -> User | None:
        return self.users().get(name)

    def check_password(self, name: str, password: str) -> User | None:
        """The user whose password this is, or None (slow on purpose: argon2id)."""
        user = self.get(name)
        secret = user.secret if user is not None and not user.has_token else _DECOY
        try:
            _HASHER.verify(secret, password)
        except (VerificationError, InvalidHashError):
            return None
        return user if secret is not _DECOY else None

    def check_token(self, token: str) -> User | None:
        wanted = token_secret(token)
        found = None
        for user in self.users().values():
            if user.has_token and hmac.compare_digest(user.secret, wanted):
                found = user
        return found
