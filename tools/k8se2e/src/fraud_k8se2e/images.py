"""The platform's images on the node, under the names the charts use.

No registry: podman builds the images here (tests/containers: the base images from Debian
packages, then the four services and the decision log's `fraud-decisions`), and they are
imported into the node's containerd, which the kubelet asks for them with imagePullPolicy
IfNotPresent. Each service image goes in under the charts' default tag (the appVersion, which
the install uses) and under a second tag, the one the rolling upgrade moves to (the same build:
what the run proves is the rollout, not a code change). Redis is Debian's redis-server 7.0 image
from base-images.sh (ci/node-e2e-values.yaml), PostgreSQL its Debian PostgreSQL 15 image.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from fraud_k8sapi.node.containerd import Ctr

SERVICES = ("producer", "consumer", "scorer", "dashboard")
# The consumer chart's migrate init container runs this one (consumer.decisionLog.image).
BUILT = (*SERVICES, "decisions")
# What the upgrade rolls while payments flow (the producer Deployment is scaled to 0 by then).
ROLLED = tuple(name for name in SERVICES if name != "producer")
REDIS_IMAGE = "docker.io/library/redis:7"  # ci/node-e2e-values.yaml: redis.image
POSTGRES_IMAGE = "docker.io/library/postgres:15"  # the in-cluster database (database.py)
CONTAINERS = Path(__file__).resolve().parents[4] / "tests" / "containers"


def chart_name(service: str, tag: str) -> str:
    """What containerd resolves the chart's `fraud-<service>:<tag>` to."""
    return f"docker.io/library/fraud-{service}:{tag}"


@dataclass
class ImageSet:
    """Images built for one run, tagged uniquely so a concurrent build elsewhere on the machine
    (same podman store) cannot swap them; the run's tags are removed again after import.
    ``reused``: the tag of images build-images.sh made just before from this checkout (CI:
    containers-check's), imported as they are and left in place."""

    first_tag: str
    upgrade_tag: str
    reused: str | None = None
    build_tag: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:8]}")
    sizes_mb: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.reused is not None:
            self.build_tag = self.reused

    def _script(self, name: str, *args: str) -> str:
        bash = shutil.which("bash") or "/bin/bash"
        done = subprocess.run(  # noqa: S603 - the project's own build scripts
            [bash, str(CONTAINERS / name), *args], capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(f"{name} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
        return done.stdout

    def build(self, log: Callable[[str], None]) -> None:
        began = time.monotonic()
        self._script("podman-setup.sh")
        self._script("base-images.sh")
        self.seconds["base images"] = round(time.monotonic() - began, 1)
        if self.reused is not None:
            self.sizes_mb = {f"fraud-{svc}": self._size_mb(svc) for svc in BUILT}
            log(f"images reused: localhost/fraud-<service>:{self.reused}")
            return
        began = time.monotonic()
        for line in self._script("build-images.sh", self.build_tag, *BUILT).splitlines():
            image, size, _seconds = line.split()
            self.sizes_mb[image.split("/")[-1].split(":")[0]] = int(size)
        self.seconds["service images"] = round(time.monotonic() - began, 1)
        log(f"images built: {self.seconds}")

    def _size_mb(self, service: str) -> int:
        done = subprocess.run(  # noqa: S603 - podman with a tag of this run
            [shutil.which("podman") or "podman", "image", "inspect", "--format", "{{.Size}}",
             f"localhost/fraud-{service}:{self.build_tag}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"no image fraud-{service}:{self.build_tag} to reuse: {done.stderr}")
        return int(done.stdout) // 1_000_000

    def load(self, ctr: Ctr) -> float:
        """Into the node's containerd, two at a time (one import waits on podman's archive as
        much as on the disk); seconds it took."""
        began = time.monotonic()
        imports = [
            (f"localhost/fraud-{service}:{self.build_tag}",
             chart_name(service, self.first_tag), chart_name(service, self.upgrade_tag))
            for service in BUILT
        ] + [(REDIS_IMAGE, REDIS_IMAGE), (POSTGRES_IMAGE, POSTGRES_IMAGE)]  # fmt: skip
        with ThreadPoolExecutor(2, thread_name_prefix="import") as pool:
            list(pool.map(lambda names: ctr.import_from_podman(*names), imports))
        return round(time.monotonic() - began, 1)

    def forget(self) -> None:
        """Drop the run's own podman tags (the layers stay cached for the next build)."""
        if self.reused is not None:
            return  # not this run's tags
        tags = [f"localhost/fraud-{service}:{self.build_tag}" for service in BUILT]
        podman = shutil.which("podman") or "podman"
        subprocess.run(  # noqa: S603 - podman with the tags this run made
            [podman, "rmi", "--ignore", *tags], capture_output=True, check=False
        )
