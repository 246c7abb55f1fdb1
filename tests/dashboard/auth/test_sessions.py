"""Sessions and the sign-in lockout in Redis, on a Redis Cluster as on a single Redis."""

import asyncio

import pytest

from fraud_dashboard.auth.sessions import MAX_FAILURES, SessionStore
from fraud_dashboard.auth.users import Role
from fraudcore.redis_client import connect_async

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("mode", ["single", "cluster"])
def test_a_session_lives_until_it_ends_and_failed_sign_ins_lock_the_name(
    mode, request, redis_settings
) -> None:
    settings = redis_settings
    if mode == "cluster":
        settings = request.getfixturevalue("redis_cluster_settings")

    async def scenario() -> None:
        client = connect_async(settings)
        store = SessionStore(client, settings.redis_key_prefix, ttl_s=60)
        try:
            session_id, session = await store.start("ana", Role.ANALYST)
            assert await store.get(session_id) == session
            await store.end(session_id)
            assert await store.get(session_id) is None
            for _ in range(MAX_FAILURES):
                assert not await store.too_many_failures("bob")
                await store.failed("bob")  # a transaction: the count and its window together
            assert await store.too_many_failures("bob")
            await store.succeeded("bob")
            assert not await store.too_many_failures("bob")
        finally:
            await client.aclose()

    asyncio.run(scenario())
