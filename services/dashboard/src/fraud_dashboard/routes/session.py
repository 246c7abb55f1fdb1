"""Signing in and out, and who am I: ``POST``, ``DELETE`` and ``GET /api/session``."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from fraud_dashboard.auth.identity import Anyone, SignedIn
from fraud_dashboard.auth.sessions import COOKIE, CSRF_HEADER, FAILURE_WINDOW_S
from fraud_dashboard.auth.users import CHANGES_RULES, GIVES_VERDICTS, Role
from fraud_dashboard.state import DashboardState, get_state

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["access"])
State = Annotated[DashboardState, Depends(get_state)]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024, repr=False)


def _who(state: DashboardState, name: str | None, role: Role | None, csrf: str | None) -> Any:
    return {
        "signed_in": name is not None,
        "name": name,
        "role": None if role is None else role.value,
        "may_give_verdicts": role in GIVES_VERDICTS,
        "may_change_rules": role in CHANGES_RULES,
        "csrf_token": csrf,
        "csrf_header": CSRF_HEADER,
        "sign_in_required": state.settings.dashboard_require_sign_in,
        "sign_in_available": bool(state.access.users.users()),
    }


def _json_only(request: Request) -> None:
    # A form on another site cannot send JSON without a CORS preflight, which is never granted.
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise HTTPException(415, "sign in with a JSON body (Content-Type: application/json)")


@router.post(
    "/session",
    dependencies=[Depends(_json_only)],
    responses={401: {"description": "wrong name or password"}, 429: {"description": "wait"}},
)
async def sign_in(body: SignIn, state: State, response: Response) -> Any:
    """Signs in with a name and password from the users file: sets the session cookie
    (HttpOnly, SameSite=Strict) and returns the session's CSRF token."""
    sessions = state.access.sessions
    if await sessions.too_many_failures(body.name):
        raise HTTPException(
            429, f"too many failed sign-ins for this name: try again within {FAILURE_WINDOW_S} s"
        )
    user = await _check(state, body)
    if user is None:
        await sessions.failed(body.name)
        log.info("sign-in refused for name %r", body.name)
        raise HTTPException(401, "wrong name or password")
    await sessions.succeeded(body.name)
    session_id, session = await sessions.start(user.name, user.role)
    response.set_cookie(
        COOKIE, session_id, max_age=sessions.ttl_s, path="/", httponly=True, samesite="strict",
        secure=state.access.cookie_secure,
    )  # fmt: skip
    log.info("%s signed in (%s)", user.name, user.role.value)
    return _who(state, user.name, user.role, session.csrf_token)


async def _check(state: DashboardState, body: SignIn) -> Any:
    # argon2id takes tens of milliseconds of CPU: off the event loop.
    return await asyncio.to_thread(state.access.users.check_password, body.name, body.password)


@router.get("/session")
async def who_am_i(state: State, identity: Anyone) -> Any:
    """Who is signed in, with which role, and the CSRF token every state change must carry in
    X-CSRF-Token (null for a bearer token, which needs none). Anonymous: ``signed_in`` false."""
    if identity is None:
        return _who(state, None, None, None)
    csrf = None if identity.session is None else identity.session.csrf_token
    return _who(state, identity.name, identity.role, csrf)


@router.delete("/session", status_code=204, responses={401: {"description": "not signed in"}})
async def sign_out(identity: SignedIn, state: State, response: Response) -> None:
    """Ends the session (CSRF token required) and clears the cookie."""
    if identity.session_id is None:
        raise HTTPException(400, "a bearer token has no session to end")
    await state.access.sessions.end(identity.session_id)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=state.access.cookie_secure
    )
    log.info("%s signed out", identity.name)
