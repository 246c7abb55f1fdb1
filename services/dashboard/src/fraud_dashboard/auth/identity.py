"""The identity behind a request, and the checks routes depend on: signed in (401), an analyst
(403), the session's CSRF token on a state change (403)."""

from __future__ import annotations

import hmac
import re
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from fraud_dashboard.auth.sessions import COOKIE, CSRF_HEADER
from fraud_dashboard.auth.users import CHANGES_RULES, GIVES_VERDICTS
from fraud_dashboard.auth.who import Identity, Proof
from fraud_dashboard.state import DashboardState, get_state

READ_METHODS = ("GET", "HEAD")
# The only paths that take a state change; every other one stays read only.
_WRITABLE = re.compile(
    r"^/api/(session|decisions/[^/]+/verdicts|rules/(validate|backtest)"
    r"|rules/[^/]+/versions(/[0-9]+/status)?)$"
)


def writable(path: str) -> bool:
    return _WRITABLE.match(path) is not None


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def identify(request: Request, state: DashboardState) -> Identity | None:
    """The identity a request proves, or None (anonymous). A wrong token is an error (401), not
    anonymity; a stale cookie is anonymity."""
    token = _bearer(request)
    if token is not None:
        user = state.access.users.check_token(token)
        if user is None:
            raise HTTPException(401, "bearer token not valid", {"WWW-Authenticate": "Bearer"})
        return Identity(user.name, user.role, Proof.TOKEN)
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return None
    session = await state.access.sessions.get(session_id)
    if session is None:
        return None
    user = state.access.users.get(session.name)
    if user is None:  # removed from the users file since signing in
        await state.access.sessions.end(session_id)
        return None
    # The file's role wins: a role taken away counts at once.
    return Identity(user.name, user.role, Proof.SESSION, session, session_id)


async def any_identity(
    request: Request, state: Annotated[DashboardState, Depends(get_state)]
) -> Identity | None:
    return await identify(request, state)


async def optional_identity(
    request: Request, state: Annotated[DashboardState, Depends(get_state)]
) -> Identity | None:
    identity = await identify(request, state)
    if identity is None and state.settings.dashboard_require_sign_in:
        raise HTTPException(401, "sign in first (POST /api/session)")
    return identity


def check_csrf(request: Request, identity: Identity) -> None:
    """Double submit: a state change made with the session cookie carries the session's token
    in X-CSRF-Token, which another site's page can neither read nor set."""
    if request.method in READ_METHODS or identity.session is None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        raise HTTPException(
            403, f"CSRF token missing: send header {CSRF_HEADER} with csrf_token of "
            "GET /api/session",
        )  # fmt: skip
    if not hmac.compare_digest(sent.encode(), identity.session.csrf_token.encode()):
        raise HTTPException(
            403, f"CSRF token does not match this session: {CSRF_HEADER} must be this session's "
            "csrf_token (GET /api/session)",
        )  # fmt: skip


async def signed_in(
    request: Request, identity: Annotated[Identity | None, Depends(optional_identity)]
) -> Identity:
    if identity is None:
        raise HTTPException(401, "sign in first (POST /api/session)")
    check_csrf(request, identity)
    return identity


async def analyst(identity: Annotated[Identity, Depends(signed_in)]) -> Identity:
    if identity.role not in GIVES_VERDICTS:
        raise HTTPException(
            403, f"{identity.name} is a {identity.role.value}: only an analyst may give verdicts"
        )
    return identity


async def rules_editor(identity: Annotated[Identity, Depends(signed_in)]) -> Identity:
    if identity.role not in CHANGES_RULES:
        raise HTTPException(
            403, f"{identity.name} is a {identity.role.value}: only a lead may change or "
            "backtest rules",
        )  # fmt: skip
    return identity


Anyone = Annotated[Identity | None, Depends(any_identity)]
MaybeSignedIn = Annotated[Identity | None, Depends(optional_identity)]
SignedIn = Annotated[Identity, Depends(signed_in)]
Analyst = Annotated[Identity, Depends(analyst)]
RulesEditor = Annotated[Identity, Depends(rules_editor)]
