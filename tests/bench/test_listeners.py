"""The process behind a listening port, read from /proc as the scale section reads the broker's
and Redis's."""

import os
import socket

import pytest

from fraud_bench import listeners


def test_the_process_listening_on_a_port_is_found_and_a_closed_port_is_not() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listeners.pid_listening(port) == os.getpid()
        found = listeners.infrastructure(f"127.0.0.1:{port}", f"redis://127.0.0.1:{port}/0")
        assert found == {"broker": os.getpid(), "redis": os.getpid()}
        database = f"postgresql://fraud:secret@127.0.0.1:{port}/fraud"
        assert listeners.infrastructure(f"127.0.0.1:{port}", f"redis://127.0.0.1:{port}/0",
                                        database)["database"] == os.getpid()  # fmt: skip
    assert listeners.pid_listening(port) is None
    assert listeners.infrastructure(f"127.0.0.1:{port}", f"redis://127.0.0.1:{port}/0") == {}


def test_ports_are_read_from_bootstrap_servers_and_urls() -> None:
    assert listeners.port_of("127.0.0.1:9092,127.0.0.1:9093") == 9092
    assert listeners.port_of("redis://:secret@127.0.0.1:6380/0") == 6380
    with pytest.raises(ValueError, match="names no port"):
        listeners.port_of("redis://localhost/0")
