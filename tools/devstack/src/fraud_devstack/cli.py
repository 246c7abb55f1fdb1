"""``fraud-devstack``: a local Kafka broker, Redis and PostgreSQL in the background for development.

fraud-devstack up [--dir .devstack]    start them (the decision log migrated), write KEY=value
                                       endpoints to <dir>/env
fraud-devstack down [--dir .devstack]  stop them
fraud-devstack fetch-kafka             resolve the broker jars into the cache (CI does this)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from fraud_devstack.kafka_broker import KafkaBroker, ensure_kafka_jars
from fraud_devstack.postgres_server import PostgresServer, remove_data
from fraud_devstack.redis_server import RedisServer
from fraud_devstack.services import ServiceProcess
from fraud_devstack.warm_start import DEV_HISTORY_DAYS, DEV_SPEED, World, load_warm_start
from fraudcore.decision_log import connect, migrate
from fraudcore.kafka_client import ensure_topics
from fraudcore.settings import DatabaseSettings, KafkaSettings, TopicSettings

_INFRA = ("DEVSTACK_KAFKA_PID", "DEVSTACK_REDIS_PID", "DEVSTACK_POSTGRES_PID")
# PostgreSQL's SIGTERM waits for every client to leave; SIGINT is its fast shutdown.
_STOP_SIGNAL = {"DEVSTACK_POSTGRES_PID": signal.SIGINT}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _read_env(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def up(root: Path, partitions: int) -> int:
    env_file = root / "env"
    current = _read_env(env_file)
    pids = [int(current.get(name, "0")) for name in _INFRA]
    if current and all(pid and _pid_alive(pid) for pid in pids):
        print(f"already running; endpoints in {env_file}")
        print(env_file.read_text(), end="")
        return 0
    down(root, quiet=True)
    for stale in ("kafka", "redis"):  # a fresh cluster each time: ports change between runs
        shutil.rmtree(root / stale, ignore_errors=True)
    remove_data(root / "postgres")
    broker = KafkaBroker(root / "kafka", partitions=partitions, detached=True)
    redis_server = RedisServer(root / "redis", detached=True)
    postgres = PostgresServer(root / "postgres", detached=True)
    try:
        broker.start()
        redis_server.start()
        postgres.start()
        kafka = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
        ensure_topics(kafka, TopicSettings().all_topics(), partitions=partitions)
        with connect(DatabaseSettings(database_url=postgres.url)) as conn:
            migrate(conn)
    except BaseException as error:
        # Detached servers outlive us: whatever this failed start began, it stops again.
        postgres.remove()
        redis_server.stop()
        broker.stop()
        if not isinstance(error, Exception):
            raise
        print(f"infra-up failed: {error}; nothing was left running", file=sys.stderr)
        return 1
    assert broker.process is not None
    assert redis_server.process is not None
    assert postgres.process is not None
    env_file.touch(mode=0o600)  # it holds the database password
    env_file.chmod(0o600)
    env_file.write_text(
        f"KAFKA_BOOTSTRAP_SERVERS={broker.bootstrap_servers}\n"
        f"REDIS_URL={redis_server.url}\n"
        f"DATABASE_URL={postgres.url}\n"
        f"DEVSTACK_KAFKA_PID={broker.process.pid}\n"
        f"DEVSTACK_REDIS_PID={redis_server.process.pid}\n"
        f"DEVSTACK_POSTGRES_PID={postgres.process.pid}\n"
    )
    print(
        f"Kafka {broker.version} ready in {broker.started_in_s:.1f} s at {broker.bootstrap_servers}"
    )
    print(f"Redis ready in {redis_server.started_in_s:.1f} s at {redis_server.url}")
    print(f"PostgreSQL ready in {postgres.started_in_s:.1f} s on port {postgres.port}, migrated")
    print(f"endpoints written to {env_file} (source it: set -a; . {env_file}; set +a)")
    return 0


def dev(root: Path, partitions: int, model_dir: Path, world: World) -> int:
    """The platform as local processes against the local broker and Redis (no containers): a
    fresh broker and Redis, the warm start, then the world continuing on its own clock."""
    if not (model_dir / "model_card.json").exists():
        print(f"no model in {model_dir}: run `make train` first (or pass --model-dir)")
        return 2
    down(root, quiet=True)  # the world starts again from the same day: its ids would repeat
    if (failed := up(root, partitions)) != 0:
        return failed
    endpoints = _read_env(root / "env")
    base = {
        "KAFKA_BOOTSTRAP_SERVERS": endpoints["KAFKA_BOOTSTRAP_SERVERS"],
        "REDIS_URL": endpoints["REDIS_URL"],
        "DATABASE_URL": endpoints["DATABASE_URL"],
        "MODEL_DIR": str(model_dir.resolve()),
        "SCORER_URL": "http://127.0.0.1:8000",
        "SCORING_MODE": "remote",
        **world.env(decision_log=True),
    }
    print(f"warm start: {world.history_days} days of the world's history into Redis ...")
    try:
        loaded = load_warm_start(world, base, root / "logs")
    except Exception as error:
        down(root, quiet=True)  # the broker and Redis this run started
        print(f"warm start failed: {error}; logs in {root / 'logs'}", file=sys.stderr)
        return 1
    source = "cached state" if loaded["cached"] else "replayed"
    print(
        f"warm start: {loaded['rows']:,} payments ({source}), {loaded['pending']:,} labels "
        f"still owed, in {loaded['seconds']:.0f} s"
    )
    local = "http://127.0.0.1"
    services = [
        ("scorer", "fraud_scorer.main", {"SCORER_PORT": "8000"}, [], f"{local}:8000/readyz"),
        ("consumer", "fraud_consumer.main", {"METRICS_PORT": "9102"}, [], f"{local}:9102/healthz"),
        (
            "dashboard",
            "fraud_dashboard.main",
            # Plain HTTP on loopback; analysts are added with `fraud-dashboard users add NAME
            # --role analyst --file .devstack/users` (read as soon as it exists).
            {
                "DASHBOARD_PORT": "8501",
                "DASHBOARD_COOKIE_SECURE": "false",
                "DASHBOARD_USERS_FILE": str((root / "users").resolve()),
            },
            [],
            f"{local}:8501/readyz",
        ),
        (
            "producer",
            "fraud_producer.cli",
            {"METRICS_PORT": "9101"},
            ["stream"],
            None,
        ),
    ]
    for name, module, env, args, health in services:
        service = ServiceProcess(
            name, module, {**base, **env}, root / "logs", health, detached=True, args=args
        )
        try:
            service.start(timeout_s=120)
        except Exception as error:
            down(root, quiet=True)  # the services started so far, then the broker and Redis
            print(f"dev failed: {error}; logs in {root / 'logs'}", file=sys.stderr)
            return 1
        assert service.process is not None
        with (root / "env").open("a") as env_file:  # at once, so that infra-down stops it
            env_file.write(f"DEVSTACK_{name.upper()}_PID={service.process.pid}\n")
    print(f"the world runs at {world.speed:g}x, from day {world.history_days} of its history")
    print("dashboard  http://localhost:8501")
    print("API docs   http://localhost:8000/docs")
    print(f"logs in {root / 'logs'}; stop with `make infra-down`")
    return 0


def down(root: Path, *, quiet: bool = False) -> int:
    env = _read_env(root / "env")
    services = [key for key in env if key.startswith("DEVSTACK_") and key.endswith("_PID")]
    # Our services first (they flush and commit), the broker and Redis last.
    ordered = [k for k in services if k not in _INFRA] + [k for k in _INFRA if k in services]
    for name in ordered:
        pid = int(env.get(name, "0"))
        if pid and _pid_alive(pid):
            os.killpg(pid, _STOP_SIGNAL.get(name, signal.SIGTERM))
            deadline = time.monotonic() + 20
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _pid_alive(pid):
                os.killpg(pid, signal.SIGKILL)
            if not quiet:
                print(f"stopped {name.removeprefix('DEVSTACK_').removesuffix('_PID').lower()}")
    (root / "env").unlink(missing_ok=True)
    remove_data(root / "postgres")  # a cluster's data outside the stack's folder (run as root)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="fraud-devstack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["up", "dev", "down", "fetch-kafka"])
    parser.add_argument("--dir", type=Path, default=Path(".devstack"))
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--model-dir", type=Path, default=Path("training/artifacts"))
    parser.add_argument(
        "--speed", type=float, default=DEV_SPEED, help="dev: simulated seconds per real second"
    )
    parser.add_argument(
        "--history-days", type=int, default=DEV_HISTORY_DAYS, help="dev: the warm start's days"
    )
    args = parser.parse_args(argv)
    root = args.dir.resolve()
    if args.command == "fetch-kafka":
        print(ensure_kafka_jars())
        return 0
    root.mkdir(parents=True, exist_ok=True)
    if args.command == "dev":
        world = World(history_days=args.history_days, speed=args.speed)
        return dev(root, args.partitions, args.model_dir, world)
    return up(root, args.partitions) if args.command == "up" else down(root)


if __name__ == "__main__":
    sys.exit(main())
