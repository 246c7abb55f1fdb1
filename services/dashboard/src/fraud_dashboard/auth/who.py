"""What a request proved: who, with which role, and how (which decides whether CSRF applies)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fraud_dashboard.auth.sessions import Session
from fraud_dashboard.auth.users import Role


class Proof(StrEnum):
    SESSION = "session"  # a browser: cookie, so state changes need the CSRF token
    # A script: Authorization: Bearer, which a browser never sends on its own.
    TOKEN = "token"  # noqa: S105 - a name, not a secret


@dataclass(frozen=True)
class Identity:
    name: str
    role: Role
    proof: Proof
    session: Session | None = None
    session_id: str | None = None
