"""kubectl and helm against one cluster: its kubeconfig on every call, output kept for errors."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class CommandError(RuntimeError):
    def __init__(self, argv: Sequence[str], returncode: int, output: str) -> None:
        super().__init__(f"{' '.join(argv)} exited {returncode}:\n{output}")
        self.returncode = returncode
        self.output = output


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass(frozen=True)
class Client:
    kubectl_binary: Path
    kubeconfig: Path
    helm_binary: Path | None = None

    def _env(self) -> dict[str, str]:
        # Only what the tools need: no user kubeconfig, helm cache or plugins leak in.
        home = self.kubeconfig.parent
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(home),
            "KUBECONFIG": str(self.kubeconfig),
            "HELM_CACHE_HOME": str(home / "helm" / "cache"),
            "HELM_CONFIG_HOME": str(home / "helm" / "config"),
            "HELM_DATA_HOME": str(home / "helm" / "data"),
        }

    def _run(self, argv: list[str], stdin: str | None, check: bool, timeout: float) -> Result:
        done = subprocess.run(  # noqa: S603 - fixed binaries, arguments from our own code
            argv,
            input=stdin,
            capture_output=True,
            text=True,
            env=self._env(),
            timeout=timeout,
            check=False,
        )
        result = Result(done.returncode, done.stdout, done.stderr)
        if check and done.returncode:
            raise CommandError(argv, done.returncode, result.output)
        return result

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 120
    ) -> Result:
        return self._run([str(self.kubectl_binary), *args], stdin, check, timeout)

    def helm(self, *args: str, check: bool = True, timeout: float = 600) -> Result:
        if self.helm_binary is None:
            raise FileNotFoundError("helm not found: run `make k8s-tools`")
        return self._run([str(self.helm_binary), *args], None, check, timeout)

    def apply(self, objects: Sequence[dict[str, Any]], *, server_side: bool = True) -> Result:
        args = ["apply", "-f", "-"]
        if server_side:
            args += ["--server-side", "--field-manager=fraud-k8sapi", "--force-conflicts"]
        return self.kubectl(*args, stdin=yaml.safe_dump_all(objects))

    def get(self, *args: str, namespace: str | None = None) -> dict[str, Any]:
        where = ["--namespace", namespace] if namespace else []
        found: dict[str, Any] = json.loads(self.kubectl("get", *args, *where, "-o", "json").stdout)
        return found

    def items(self, kind: str, namespace: str | None = None, *selector: str) -> list[Any]:
        items: list[Any] = self.get(kind, *selector, namespace=namespace).get("items", [])
        return items
