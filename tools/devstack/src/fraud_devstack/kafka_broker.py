"""A single-node Apache Kafka broker in KRaft mode, run from the Maven Central jars."""

from __future__ import annotations

import base64
import fcntl
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient

from fraud_devstack import processes

KAFKA_VERSION = os.environ.get("FRAUD_KAFKA_VERSION", "4.1.1")
# The G1 settings of Kafka's own start script. Shenandoah (FRAUD_KAFKA_GC="-XX:+UseShenandoahGC")
# pauses under 0.4 ms where G1 pauses 5-22 ms, but in the same hour it cost the broker 11-67% more
# CPU per payment and doubled the headline's p99 at 1,000 tx/s on two shared cores.
BROKER_GC = tuple(
    os.environ.get(
        "FRAUD_KAFKA_GC",
        "-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35",
    ).split()
)
_LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = {level}
rootLogger.appenderRef.file.ref = file
"""


def cache_dir() -> Path:
    base = os.environ.get("FRAUD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "fraud-detection"
    )
    return Path(base)


def ensure_kafka_jars(version: str = KAFKA_VERSION) -> Path:
    """The broker's classpath directory, resolved with Maven once and cached outside the repo."""
    libs = cache_dir() / f"kafka-{version}" / "libs"
    done = libs / ".complete"
    if done.exists():
        return libs
    libs.mkdir(parents=True, exist_ok=True)
    with (libs.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one resolver at a time; the others reuse its result
        if done.exists():
            return libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError(
                "Maven (mvn) is needed once to fetch the Kafka jars (make setup installs it)"
            )
        pom = resources.files("fraud_devstack").joinpath("kafka-pom.xml")
        with resources.as_file(pom) as pom_path:
            subprocess.run(  # noqa: S603 - fixed argv
                [
                    mvn, "-q", "-B", "-f", str(pom_path),
                    "dependency:copy-dependencies",
                    f"-Dkafka.version={version}",
                    f"-DoutputDirectory={libs}",
                ],
                check=True,
            )  # fmt: skip
        done.touch()
    return libs


def _cluster_id() -> str:
    """A random Kafka UUID; like Kafka's own, never starting with "-", which the storage tool
    would read as an option (one start in 64 failed before)."""
    while (text := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))[0] == "-":
        pass
    return text


@dataclass
class KafkaBroker:
    """One broker+controller process. ``start`` formats the log dir on first use only, so a
    stopped broker restarts with its data (the chaos tests rely on that). Clients reach it at
    ``host`` (loopback, or an address pods reach); the controller stays on loopback."""

    workdir: Path
    host: str = "127.0.0.1"
    port: int = field(default_factory=processes.free_port)
    controller_port: int = field(default_factory=processes.free_port)
    version: str = KAFKA_VERSION
    partitions: int = 3
    heap: str = "768m"
    gc: tuple[str, ...] = BROKER_GC
    detached: bool = False
    extra_config: dict[str, str] = field(default_factory=dict)
    scram_users: dict[str, str] = field(default_factory=dict)  # name -> password; SASL/SCRAM on
    log_level: str = "INFO"
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    started_in_s: float | None = field(default=None, init=False)

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def config_file(self) -> Path:
        return self.workdir / "server.properties"

    def _config(self) -> str:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"CLIENT://{self.host}:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"CLIENT://{self.host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "CLIENT",
            "listener.security.protocol.map": f"CLIENT:{self.protocol},CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.workdir / "data"),
            "num.partitions": str(self.partitions),
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "10",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "log.flush.interval.messages": "9223372036854775807",
            **self._sasl_config(),
            **self.extra_config,
        }
        return "".join(f"{key}={value}\n" for key, value in props.items())

    @property
    def protocol(self) -> str:
        return "SASL_PLAINTEXT" if self.scram_users else "PLAINTEXT"

    @property
    def admin(self) -> tuple[str, str]:
        """The user the broker itself authenticates as (the first SCRAM user)."""
        return next(iter(self.scram_users.items()))

    def _sasl_config(self) -> dict[str, str]:
        if not self.scram_users:
            return {}
        name, password = self.admin
        return {
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            "sasl.mechanism.inter.broker.protocol": "SCRAM-SHA-512",
            "listener.name.client.scram-sha-512.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="{name}" password="{password}";'
            ),
        }

    def client_config(self) -> dict[str, Any]:
        """librdkafka settings to reach this broker as its admin user."""
        if not self.scram_users:
            return {"bootstrap.servers": self.bootstrap_servers}
        name, password = self.admin
        return {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": name,
            "sasl.password": password,
        }

    def _format_once(self, java: str, classpath: str) -> None:
        if (self.workdir / "data" / "meta.properties").exists():
            return
        # SCRAM credentials are written into the metadata at format time (KRaft has no ZooKeeper).
        scram = [
            arg
            for name, password in self.scram_users.items()
            for arg in ("--add-scram", f"SCRAM-SHA-512=[name={name},password={password}]")
        ]
        subprocess.run(  # noqa: S603 - fixed argv
            [java, "-cp", classpath, "kafka.tools.StorageTool", "format",
             "-t", _cluster_id(), "-c", str(self.config_file), *scram],
            check=True, capture_output=True,
        )  # fmt: skip

    def start(self, timeout_s: float = 90.0) -> KafkaBroker:
        began = time.monotonic()
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("a Java 17+ runtime is needed to run the Kafka broker")
        classpath = f"{ensure_kafka_jars(self.version)}/*"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self._config())
        log4j = self.workdir / "log4j2.properties"
        log4j.write_text(_LOG4J2.format(log=self.workdir / "broker.log", level=self.log_level))
        self._format_once(java, classpath)
        jvm = [f"-Xms{self.heap}", f"-Xmx{self.heap}", *self.gc, "-XX:+ExplicitGCInvokesConcurrent",
               "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={log4j}"]  # fmt: skip
        self.process = processes.spawn(
            [java, *jvm, "-cp", classpath, "kafka.Kafka", str(self.config_file)],
            self.workdir / "stdout.log",
            detached=self.detached,
        )
        processes.wait_until(
            lambda: processes.port_open(self.port, self.host),
            timeout_s=timeout_s,
            what=f"Kafka broker on port {self.port}",
            process=self.process,
        )
        processes.wait_until(
            self._metadata_ready, timeout_s=timeout_s, what="Kafka metadata", process=self.process
        )
        self.started_in_s = time.monotonic() - began
        return self

    def _metadata_ready(self) -> bool:
        admin = AdminClient(self.client_config())
        try:
            return len(admin.list_topics(timeout=2).brokers) > 0
        except Exception:
            return False

    def stop(self) -> None:
        processes.stop(self.process)
        self.process = None

    def kill(self) -> None:
        processes.kill(self.process)
        self.process = None
