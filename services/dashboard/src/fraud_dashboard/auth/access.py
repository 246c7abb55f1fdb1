"""Everything sign-in needs, built once per app from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from fraud_dashboard.auth.sessions import SessionStore
from fraud_dashboard.auth.users import UsersFile
from fraud_dashboard.settings import DashboardSettings
from fraudcore.redis_client import AsyncRedisClient


@dataclass
class Access:
    users: UsersFile
    sessions: SessionStore
    cookie_secure: bool

    @classmethod
    def build(cls, settings: DashboardSettings, redis: AsyncRedisClient) -> Access:
        users = UsersFile(settings.dashboard_users_file)
        users.check()
        sessions = SessionStore(redis, settings.redis_key_prefix, settings.dashboard_session_ttl_s)
        return cls(users, sessions, settings.dashboard_cookie_secure)
