"""Script calls on a single Redis (``ScriptArgs.run``'s direct path), against a real Redis of
their own: the same replies and errors as the client's path, through NOSCRIPT and restarts."""

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.commands.core import Script

from fraud_devstack import RedisServer
from fraudcore.redis_scripts import ScriptArgs, kept_connection, register

pytestmark = pytest.mark.integration
ECHO = "local out = {} for _, k in ipairs(KEYS) do out[#out + 1] = k end " \
    "for _, a in ipairs(ARGV) do out[#out + 1] = a end return out"  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    own = RedisServer(tmp_path / "redis").start()  # restarted by a test: not the shared one
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture
def client(server: RedisServer) -> Iterator[redis.Redis]:
    made = redis.Redis.from_url(server.url)
    yield made
    made.close()


def test_replies_equal_the_clients_for_every_kind_of_argument(client, monkeypatch) -> None:
    script = register(client, ECHO)
    call = ScriptArgs().key("k1", "k2").arg("text", b"\x00bytes", 7, -0.5, 1 / 3, 1e20, "é")
    by_client = Script(client, ECHO)(keys=call.keys, args=call.args)
    monkeypatch.setattr(client, "evalsha", None)  # the direct path never takes the client's

    direct = call.run(script)

    assert direct == by_client
    assert direct == [b"k1", b"k2", b"text", b"\x00bytes", b"7", b"-0.5",
                      b"0.3333333333333333", b"1e+20", "é".encode()]  # fmt: skip


def test_a_script_the_server_forgot_is_loaded_again(client) -> None:
    script = register(client, ECHO)
    call = ScriptArgs().key("k").arg(1)
    assert call.run(script) == [b"k", b"1"]
    client.script_flush()

    assert call.run(script) == [b"k", b"1"]
    assert client.script_exists(script.sha) == [True]


def test_an_error_reply_is_raised_and_the_connection_serves_the_next_call(client) -> None:
    failing = register(client, "return redis.error_reply('no such thing: ' .. ARGV[1])")
    with pytest.raises(redis.ResponseError, match="no such thing: x"):
        ScriptArgs().arg("x").run(failing)

    assert ScriptArgs().key("k").run(register(client, ECHO)) == [b"k"]


def test_an_argument_of_no_redis_type_is_a_data_error(client) -> None:
    with pytest.raises(redis.DataError):
        ScriptArgs().arg(object()).run(register(client, ECHO))  # type: ignore[arg-type]


def test_a_stopped_server_raises_at_once_and_a_restarted_one_answers(server, client) -> None:
    script = register(client, ECHO)
    call = ScriptArgs().key("k")
    assert call.run(script) == [b"k"]
    server.stop()

    with pytest.raises(redis.ConnectionError):
        call.run(script)
    server.start()  # same port, no scripts: reconnected, then NOSCRIPT, then loaded
    assert call.run(script) == [b"k"]


def test_a_single_connection_client_keeps_its_own_connection(server) -> None:
    single = redis.Redis.from_url(server.url, single_connection_client=True)
    try:
        assert ScriptArgs().key("k").run(register(single, ECHO)) == [b"k"]
        assert single.connection_pool._created_connections == 1  # its own, no pooled second
    finally:
        single.close()


def test_each_thread_keeps_one_connection_for_its_calls(client) -> None:
    script, pool = register(client, ECHO), client.connection_pool
    assert ScriptArgs().key("k").run(script) == [b"k"]
    kept = kept_connection(pool)
    socket = kept._sock
    for _ in range(5):
        assert ScriptArgs().key("k").run(script) == [b"k"]
    assert (kept_connection(pool), kept._sock) == (kept, socket)  # one socket, kept
    other: list[object] = []

    def call() -> None:
        ScriptArgs().key("k").run(script)
        other.append(kept_connection(pool))

    thread = threading.Thread(target=call)
    thread.start()
    thread.join()
    (theirs,) = other
    assert theirs is not kept  # another thread, its own connection
    assert pool._created_connections == 2


def test_a_thread_that_ends_gives_its_kept_connection_back(client) -> None:
    """Threads made per call (a worker per task) take the connection the last one gave back,
    where each would otherwise hold one of the pool's until the pool closed."""
    script, pool = register(client, ECHO), client.connection_pool
    replies: list[object] = []

    def call() -> None:
        replies.append(ScriptArgs().key("k").run(script))

    created = []
    for _ in range(5):
        thread = threading.Thread(target=call)
        thread.start()
        thread.join()
        created.append(pool._created_connections)  # the first call also loads the script
    assert replies == [[b"k"]] * 5
    assert (created[1:], pool._in_use_connections) == ([created[0]] * 4, set())


def test_a_call_cut_off_before_its_reply_leaves_no_reply_for_the_next(client, monkeypatch) -> None:
    """An exception between sending and reading (a signal, a timeout) would leave the reply on
    the socket for the next call to read as its own: the connection starts again instead."""
    echo = register(client, "return ARGV[1]")
    assert ScriptArgs().arg("warm").run(echo) == b"warm"
    connection = kept_connection(client.connection_pool)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(connection, "read_response", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ScriptArgs().arg("first").run(echo)  # sent, its reply never read
    monkeypatch.undo()

    assert ScriptArgs().arg("second").run(echo) == b"second"  # not the first call's reply


def test_a_dropped_client_takes_its_kept_connection_with_it(server) -> None:
    """Kept on the pool, not beside it: a client made and dropped (a process that makes them
    as it goes) leaves neither its pool nor its connection behind."""
    made = redis.Redis.from_url(server.url)
    assert ScriptArgs().key("k").run(register(made, ECHO)) == [b"k"]
    pool = weakref.ref(made.connection_pool)
    connection = weakref.ref(kept_connection(made.connection_pool))
    del made
    gc.collect()
    assert (pool(), connection()) == (None, None)
