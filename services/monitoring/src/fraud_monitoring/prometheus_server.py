"""A real Prometheus server as a local process, for tests and local development.

Uses the system's ``prometheus`` binary (Debian package), on a free loopback port with its own
data directory; ``query`` talks to its HTTP API with the standard library only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraud_devstack import processes
from fraud_monitoring.render import to_yaml


def prometheus_binary() -> str | None:
    return shutil.which("prometheus")


@dataclass
class PrometheusServer:
    workdir: Path
    config: dict[str, Any]
    port: int = field(default_factory=processes.free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.workdir / "prometheus.log"

    def start(self, timeout_s: float = 30.0) -> PrometheusServer:
        binary = prometheus_binary()
        if binary is None:
            raise FileNotFoundError("prometheus not found on PATH (Debian package: prometheus)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_file = self.workdir / "prometheus.yml"
        config_file.write_text(to_yaml(self.config, header=""))
        argv = [
            binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            # The Debian build serves its console templates from /etc; none are needed here.
            f"--web.console.templates={self.workdir}",
            f"--web.console.libraries={self.workdir}",
        ]
        self.process = processes.spawn(argv, self.log_file, detached=False)
        processes.wait_until(
            self._ready, timeout_s=timeout_s, what="prometheus", process=self.process
        )
        return self

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:  # noqa: S310
                return bool(response.status == 200)
        except OSError:
            return False

    def api(self, path: str, **params: str) -> Any:
        """GET /api/v1/<path>; returns ``data`` or raises with Prometheus's error."""
        query = urllib.parse.urlencode(params)
        url = f"{self.url}/api/v1/{path}" + (f"?{query}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
                body = json.load(response)
        except urllib.error.HTTPError as error:  # 400/422 carry the PromQL error in the body
            body = json.load(error)
        if body.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query at the current time: the result vector (or scalar as one sample)."""
        data = self.api("query", query=expr)
        result = data["result"]
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": result}]
        return list(result)

    def stop(self) -> None:
        processes.stop(self.process)
