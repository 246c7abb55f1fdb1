"""The Redis chart: its password never on a command line, its Secret never rotated by a
template run, a headless Service for its StatefulSet, a BSD-licensed server by default.

The start-up script and redis.conf are the chart's own, rendered by helm and run here with
Debian's redis-server: only the container's paths are mapped into a temporary folder.
"""

from __future__ import annotations

import base64
import os
import random
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from fraud_bench.soak import rss_mib
from fraud_devstack.processes import descendants, free_port, port_open
from fraud_devstack.redis_server import AOF_REWRITE_MIN_SIZE, RedisServer
from fraud_k8scheck import helm
from fraud_k8scheck.objects import CHARTS_DIR, named, of_kind

pytestmark = pytest.mark.k8s

Objects = list[dict[str, Any]]
REDIS = CHARTS_DIR / "fraud-redis"
TRICKY = 'pa"ss\\word with spaces'


def _auth_objects(*extra: str) -> Objects:
    return helm.template(REDIS, set_values=["global.redis.auth.enabled=true", *extra])


def _container(objects: Objects) -> dict[str, Any]:
    statefulset = named(objects, "StatefulSet", "fraud-redis")
    container: dict[str, Any] = statefulset["spec"]["template"]["spec"]["containers"][0]
    return container


def test_the_password_is_on_no_command_line(built_charts: Path) -> None:
    """It was passed as --requirepass $(REDIS_PASSWORD), visible in every process list."""
    container = _container(_auth_objects())
    argv = " ".join(container["command"] + container.get("args", []))
    assert "requirepass" not in argv.replace('requirepass "%s"', "")
    assert "$(REDIS_PASSWORD)" not in argv
    assert "REDIS_PASSWORD" not in {entry["name"] for entry in container.get("env", [])}


@pytest.fixture
def run_chart_redis(built_charts: Path, tmp_path: Path) -> Callable[[str], tuple[int, int]]:
    """Start Redis the way the chart's container does; returns (port, pid of the server)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is needed: apt install redis-server")
    started: list[subprocess.Popen[bytes]] = []

    def run(password: str) -> tuple[int, int]:
        objects = _auth_objects()
        script = _container(objects)["args"][0]
        config = named(objects, "ConfigMap", "fraud-redis")["data"]["redis.conf"]
        port = free_port()
        paths = {"/etc/redis-auth": tmp_path / "secret", "/run/redis-auth": tmp_path / "run",
                 "/etc/redis": tmp_path / "etc", "/data": tmp_path / "data"}  # fmt: skip
        for folder in paths.values():
            folder.mkdir()
        (paths["/etc/redis-auth"] / "password").write_text(password)
        for inside, outside in paths.items():
            script = script.replace(inside + "/", f"{outside}/")
            config = config.replace(inside + "/", f"{outside}/").replace(
                f"dir {inside}\n", f"dir {outside}\n"
            )
        config = config.replace("port 6379", f"port {port}").replace(
            "bind * -::*", "bind 127.0.0.1"
        )
        (paths["/etc/redis"] / "redis.conf").write_text(config)
        process = subprocess.Popen(["sh", "-c", script], stdin=subprocess.DEVNULL)
        started.append(process)
        deadline = time.monotonic() + 30
        while not port_open(port):
            assert process.poll() is None, "redis exited at start"
            assert time.monotonic() < deadline, "redis did not start"
            time.sleep(0.05)
        return port, process.pid  # exec: the shell became the server

    yield run
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def _cli(port: int, *args: str, password: str | None = None) -> str:
    env = {"PATH": os.environ["PATH"], **({"REDISCLI_AUTH": password} if password else {})}
    done = subprocess.run(["redis-cli", "-p", str(port), *args], env=env, capture_output=True,
                          text=True, timeout=10, check=False)  # fmt: skip
    return (done.stdout + done.stderr).strip()


def test_redis_demands_the_secrets_password_and_no_process_shows_it(
    run_chart_redis: Callable[[str], tuple[int, int]],
) -> None:
    port, pid = run_chart_redis(TRICKY)
    assert "NOAUTH" in _cli(port, "set", "k", "v")
    assert _cli(port, "ping", password=TRICKY) == "PONG"
    assert _cli(port, "ping", password="wrong") != "PONG"
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    assert "redis-server" in cmdline
    assert "spaces" not in cmdline
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    assert "with spaces" not in ps


def test_the_charts_redis_rewrites_its_append_only_file_as_late_as_the_devstacks(
    run_chart_redis: Callable[[str], tuple[int, int]], tmp_path: Path
) -> None:
    """The benchmark and the tests measure the rewrites the chart's Redis makes (Redis's own
    64mb default forked it every 10 s at 1,000 tx/s)."""
    port, _pid = run_chart_redis("s3cret")
    chart = _cli(port, "config", "get", "auto-aof-rewrite-min-size", password="s3cret")
    local = RedisServer(tmp_path / "devstack").start()
    try:
        devstack = local.client().config_get("auto-aof-rewrite-min-size")
    finally:
        local.stop()
    wanted = str(256 * 1024 * 1024)
    assert AOF_REWRITE_MIN_SIZE == "256mb"
    assert chart.split() == ["auto-aof-rewrite-min-size", wanted]
    assert devstack == {"auto-aof-rewrite-min-size": wanted}


def test_the_readiness_probe_authenticates_from_the_environment(
    built_charts: Path, run_chart_redis: Callable[[str], tuple[int, int]]
) -> None:
    port, _pid = run_chart_redis("s3cret")
    probe = _container(_auth_objects())["readinessProbe"]["exec"]["command"]
    command = [part.replace("-h 127.0.0.1", f"-h 127.0.0.1 -p {port}") for part in probe]
    env = {"PATH": os.environ["PATH"], "REDISCLI_AUTH": "s3cret"}
    assert subprocess.run(command, env=env, check=False, timeout=10).returncode == 0
    env["REDISCLI_AUTH"] = "wrong"
    assert subprocess.run(command, env=env, check=False, timeout=10).returncode != 0


def test_a_generated_secret_is_immutable_and_an_existing_one_is_used(built_charts: Path) -> None:
    (secret,) = of_kind(_auth_objects(), "Secret")
    assert secret["immutable"] is True
    assert len(base64.b64decode(secret["data"]["redis-password"])) == 32
    objects = _auth_objects("global.redis.auth.existingSecret=mine")
    assert of_kind(objects, "Secret") == []
    volume = {v["name"]: v for v in named(objects, "StatefulSet", "fraud-redis")["spec"]
              ["template"]["spec"]["volumes"]}["auth-secret"]  # fmt: skip
    assert volume["secret"]["secretName"] == "mine"


def test_the_statefulset_is_governed_by_a_headless_service(built_charts: Path) -> None:
    objects = helm.template(REDIS)
    statefulset = named(objects, "StatefulSet", "fraud-redis")
    governing = named(objects, "Service", statefulset["spec"]["serviceName"])
    assert governing["spec"]["clusterIP"] == "None"
    assert governing["spec"]["selector"] == statefulset["spec"]["selector"]["matchLabels"]
    named(objects, "Service", "fraud-redis")  # the clients' address stays a ClusterIP


def test_the_default_server_is_bsd_licensed(built_charts: Path) -> None:
    """redis:7.4 and later are under RSAL/SSPL; Valkey (or Redis up to 7.2) is BSD."""
    image = _container(helm.template(REDIS))["image"]
    repository, tag = image.rsplit(":", 1)
    assert repository == "valkey/valkey" or (
        repository.endswith("redis") and tuple(map(int, tag.split(".")[:2])) <= (7, 2)
    ), image


@pytest.mark.parametrize(
    ("limit", "maxmemory"),
    [("512Mi", "300mb"), ("1G", "400mb"), ("1Gi", "1gb")],
)
def test_a_memory_limit_under_two_and_a_half_maxmemory_is_refused(
    built_charts: Path, limit: str, maxmemory: str
) -> None:
    """A rewrite under load copies up to the whole dataset (the test below): such a limit would
    get Redis OOM-killed mid-rewrite, so the chart says so instead of installing it."""
    with pytest.raises(helm.HelmError, match=f"{limit} is under 2.5x maxmemory {maxmemory}"):
        helm.template(
            REDIS, set_values=[f"resources.limits.memory={limit}", f"maxmemory={maxmemory}"]
        )


@pytest.mark.parametrize(
    ("limit", "maxmemory"),
    [("768Mi", "300mb"), ("1100M", "400mb"), ("3Gi", "1gb"), ("1e9", "1gb")],  # 1e9: unread
)
def test_a_memory_limit_of_two_and_a_half_maxmemory_or_more_is_taken(
    built_charts: Path, limit: str, maxmemory: str
) -> None:
    objects = helm.template(
        REDIS, set_values=[f"resources.limits.memory={limit}", f"maxmemory={maxmemory}"]
    )
    assert _container(objects)["resources"]["limits"]["memory"] == limit


WRITES_PER_S = 20_000  # the pipeline makes about 12,000 Redis writes a second at 1,000 tx/s
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def _bytes(quantity: str) -> int:
    return int(quantity[:-2]) * _BINARY[quantity[-2:]]


def _private_kb(pid: int) -> int:
    """Pages this process holds alone: for a forked child, those copied since the fork (0 once
    it has exited)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    fields = dict(line.split(":", 1) for line in rollup[1:])
    return sum(int(fields[name].split()[0]) for name in ("Private_Clean", "Private_Dirty"))


@pytest.mark.slow
@pytest.mark.alone  # its writer must keep its pace through the rewrite
def test_an_aof_rewrite_under_writes_fits_the_memory_limit(
    built_charts: Path, run_chart_redis: Callable[[str], tuple[int, int]]
) -> None:
    """The rewrite forks Redis and each page written while the child runs is copied; the copies
    count against the container's limit, which must hold them beside a full dataset (256Mi over
    maxmemory 200mb did not: 265-319 MiB at the peak)."""
    limit = _bytes(_container(helm.template(REDIS))["resources"]["limits"]["memory"])
    port, pid = run_chart_redis("s3cret")
    client = redis.Redis(port=port, password="s3cret")
    maxmemory = int(client.info("memory")["maxmemory"])
    value, keys = b"x" * 500, 0  # a card's state is about this size
    while int(client.info("memory")["used_memory"]) < 0.95 * maxmemory:
        pipe = client.pipeline(transaction=False)
        for key in range(keys, keys + 5_000):
            pipe.set(f"card:{key}", value)
        pipe.execute()
        keys += 5_000
    client.config_set("auto-aof-rewrite-percentage", 0)  # ours, not a rewrite of its own timing
    stop, written = threading.Event(), []

    def write() -> None:
        writer, rng = redis.Redis(port=port, password="s3cret"), random.Random(0)
        due = time.monotonic()
        while not stop.wait(max(0.0, due - time.monotonic())):
            pipe = writer.pipeline(transaction=False)
            for _ in range(WRITES_PER_S // 100):
                pipe.set(f"card:{rng.randrange(keys)}", value)
            pipe.execute()
            written.append(WRITES_PER_S // 100)
            due += 0.01

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        time.sleep(1)
        peak = 0.0
        client.bgrewriteaof()
        began, before = time.monotonic(), sum(written)
        deadline = time.monotonic() + 60
        while client.info("persistence")["aof_rewrite_in_progress"] or not peak:
            assert time.monotonic() < deadline, "the rewrite did not finish"
            copied = sum(_private_kb(child) for child in descendants(pid)) / 1024
            peak = max(peak, (rss_mib(pid) or 0.0) + copied)  # MiB
            time.sleep(0.02)
        took = time.monotonic() - began
    finally:
        stop.set()
        writer.join(timeout=10)
    rate = (sum(written) - before) / took
    assert rate > WRITES_PER_S / 2, f"the writer fell behind ({rate:.0f} writes/s): inconclusive"
    assert peak * 2**20 < limit, f"{peak:.0f} MiB at the rewrite's peak, limit {limit / 2**20:.0f}"
