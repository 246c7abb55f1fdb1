"""A local Redis Cluster on loopback: six ``redis-server`` nodes in cluster mode, three masters
with a replica each, made with ``redis-cli --cluster create`` (the Debian packages)."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import redis
from redis.cluster import ClusterNode, RedisCluster

from fraud_devstack import processes

MASTERS, REPLICAS_EACH = 3, 1
BUS_OFFSET = 10_000  # a node also listens on its port + 10,000 for the cluster bus


def cluster_port() -> int:
    """A free port whose cluster-bus port is free too (so at most 65,535 - 10,000)."""
    while True:
        port = processes.free_port()
        if port + BUS_OFFSET <= 65_535 and not processes.port_open(port + BUS_OFFSET):
            return port


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(
            f"{name} is needed (Debian package redis-server; make setup installs it)"
        )
    return found


@dataclass
class RedisClusterServer:
    workdir: Path
    ports: list[int] = field(
        default_factory=lambda: [cluster_port() for _ in range(MASTERS * (1 + REPLICAS_EACH))]
    )
    maxmemory: str = "256mb"
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list, init=False, repr=False)

    @property
    def url(self) -> str:
        """Any one node: the client learns the others from it (REDIS_CLUSTER=true)."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def client(self) -> RedisCluster[bytes]:
        nodes = [ClusterNode("127.0.0.1", port) for port in self.ports]
        return RedisCluster(startup_nodes=nodes)

    def _node_up(self, port: int) -> bool:
        try:
            return bool(redis.Redis(port=port).ping())
        except redis.RedisError:
            return False

    def _cluster_ok(self) -> bool:
        """Every node sees the cluster whole."""
        try:
            states = [redis.Redis(port=port).cluster("info") for port in self.ports]
        except redis.RedisError:
            return False
        return all(info.get("cluster_state") == "ok" for info in states)

    def wait_ok(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not self._cluster_ok():
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis cluster did not reach cluster_state:ok")
            time.sleep(0.1)

    def start(self, timeout_s: float = 60.0) -> RedisClusterServer:
        server, cli = _binary("redis-server"), _binary("redis-cli")
        try:
            for port in self.ports:
                node_dir = self.workdir / str(port)
                node_dir.mkdir(parents=True, exist_ok=True)
                argv = [
                    server,
                    "--bind", "127.0.0.1",
                    "--port", str(port),
                    "--dir", str(node_dir),
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000",
                    "--save", "",
                    "--appendonly", "no",
                    "--maxmemory", self.maxmemory,
                    "--maxmemory-policy", "noeviction",
                    "--daemonize", "no",
                ]  # fmt: skip
                process = processes.spawn(argv, node_dir / "redis.log", detached=False)
                self.processes.append(process)
                processes.wait_until(
                    partial(self._node_up, port),
                    timeout_s=timeout_s,
                    what=f"Redis cluster node on port {port}",
                    process=process,
                )
            create = [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
                      "--cluster-replicas", str(REPLICAS_EACH), "--cluster-yes"]  # fmt: skip
            # Our own binary and loopback addresses: nothing untrusted reaches the command line.
            subprocess.run(create, check=True, capture_output=True, timeout=timeout_s)  # noqa: S603
            self.wait_ok(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in self.processes:
            processes.stop(process)
        self.processes = []
