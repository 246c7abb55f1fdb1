"""Server-side sessions in Redis: the cookie holds a random id only; Redis holds, under the id's
hash, who signed in, the role and the session's CSRF token, for a limited time. Signing out, or
the user leaving the users file, ends the session everywhere (every replica reads one Redis)."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import orjson

from fraud_dashboard.auth.users import Role
from fraudcore.redis_client import AsyncRedisClient

COOKIE = "fraud_session"
CSRF_HEADER = "X-CSRF-Token"
# Failed sign-ins per name in a window before further tries are refused (429).
MAX_FAILURES = 5
FAILURE_WINDOW_S = 300


@dataclass(frozen=True)
class Session:
    name: str
    role: Role
    csrf_token: str
    started_at: float


@dataclass
class SessionStore:
    redis: AsyncRedisClient
    prefix: str
    ttl_s: int

    def _key(self, session_id: str) -> str:
        # Hashed: whoever reads Redis cannot use what they read as a cookie.
        return f"{self.prefix}session:{hashlib.sha256(session_id.encode()).hexdigest()}"

    async def start(self, name: str, role: Role) -> tuple[str, Session]:
        session_id = secrets.token_urlsafe(32)
        session = Session(name, role, secrets.token_urlsafe(32), time.time())
        value = orjson.dumps(
            {"name": name, "role": role.value, "csrf": session.csrf_token, "at": session.started_at}
        )
        await self.redis.set(self._key(session_id), value, ex=self.ttl_s)
        return session_id, session

    async def get(self, session_id: str) -> Session | None:
        raw = await self.redis.get(self._key(session_id))
        if raw is None:
            return None
        data = orjson.loads(raw)
        return Session(data["name"], Role(data["role"]), data["csrf"], data["at"])

    async def end(self, session_id: str) -> None:
        await self.redis.delete(self._key(session_id))

    def _failures_key(self, name: str) -> str:
        return f"{self.prefix}signin-failures:{hashlib.sha256(name.encode()).hexdigest()}"

    async def too_many_failures(self, name: str) -> bool:
        raw = await self.redis.get(self._failures_key(name))
        return raw is not None and int(raw) >= MAX_FAILURES

    async def failed(self, name: str) -> None:
        key = self._failures_key(name)
        pipe = self.redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, FAILURE_WINDOW_S, nx=True)
        await pipe.execute()

    async def succeeded(self, name: str) -> None:
        await self.redis.delete(self._failures_key(name))
