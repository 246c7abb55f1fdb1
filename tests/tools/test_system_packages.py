"""tools/setup/system-packages.sh on a made-up machine: a PATH of stand-in commands (id, sudo,
apt-get and the toolchains answer as told; apt-get only writes down how it was called)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "tools" / "setup" / "system-packages.sh"
COREUTILS = ("sort", "head", "grep", "cut", "mktemp", "tail", "rm", "env", "cat")
TOOLCHAINS = {
    "java": "echo 'openjdk version \"17.0.15\" 2025-04-15' >&2",
    "mvn": "echo 'Apache Maven 3.8.7'",
    "node": "echo v20.20.2",
    "npm": "echo 11.19.1",
    "go": "echo 'go version go1.26.8 linux/amd64'",
}


@dataclass
class Machine:
    bin: Path
    apt_log: Path

    def command(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f"#!{shutil.which('bash')}\n{body}\n")
        path.chmod(0o755)

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [shutil.which("bash") or "bash", str(SCRIPT)],
            env={
                "PATH": str(self.bin),
                "PYTHON": sys.executable,
                "HOME": os.environ["HOME"],
                **env,
            },
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    @property
    def apt_calls(self) -> list[str]:
        return self.apt_log.read_text().splitlines() if self.apt_log.exists() else []


def machine(tmp_path: Path, *, uid: int) -> Machine:
    """Debian with the toolchains but none of the command-line packages (no redis-server,
    chromium, promtool, podman, ...)."""
    made = Machine(tmp_path / "bin", tmp_path / "apt.log")
    made.bin.mkdir()
    for tool in COREUTILS:
        found = shutil.which(tool)
        assert found is not None
        (made.bin / tool).symlink_to(found)
    for name, body in TOOLCHAINS.items():
        made.command(name, body)
    made.command("id", f"echo {uid}")
    made.command("apt-get", f'echo "$*" >> {made.apt_log}')
    return made


def test_without_root_or_sudo_it_stops_with_the_exact_command(tmp_path: Path) -> None:
    result = machine(tmp_path, uid=1000).run()
    assert result.returncode == 1
    command = next(line for line in result.stderr.splitlines() if "apt-get install" in line)
    assert command.strip().startswith("apt-get update && apt-get install -y")
    assert {"redis-server", "chromium", "prometheus", "podman", "curl"} <= set(command.split())
    assert "openjdk-17-jre-headless" not in command  # there is a java
    assert not (tmp_path / "apt.log").exists()


def test_with_sudo_it_installs_the_missing_packages_without_recommends(tmp_path: Path) -> None:
    made = machine(tmp_path, uid=1000)
    made.command("sudo", '[ "$1" = -n ] && shift; [ "$1" = true ] && exit 0; exec "$@"')
    result = made.run()
    assert result.returncode == 0, result.stderr
    assert "through sudo" in result.stdout
    update, install = made.apt_calls
    assert update == "update -qq"
    assert install.startswith("install -y -qq --no-install-recommends ")
    assert {"redis-server", "chromium", "prometheus", "buildah", "runc"} <= set(install.split())


def test_as_root_a_missing_java_is_installed_and_an_old_one_refused(tmp_path: Path) -> None:
    made = machine(tmp_path, uid=0)
    (made.bin / "java").unlink()
    assert "openjdk-17-jre-headless" in made.run().stdout
    made.command("java", "echo 'openjdk version \"11.0.2\" 2019-01-15' >&2")
    result = made.run()
    assert result.returncode == 1
    assert "needs Java 17+; java on PATH is 11.0.2" in result.stderr


def test_go_too_old_for_helm_warns_and_fails_under_ci(tmp_path: Path) -> None:
    made = machine(tmp_path, uid=0)
    made.command("go", "echo 'go version go1.19.8 linux/amd64'")
    laptop = made.run()
    assert laptop.returncode == 0
    assert "WARNING: make k8s-check needs Go >= 1.24" in laptop.stderr
    assert made.run(CI="1").returncode == 1


def test_skip_reports_what_is_missing_and_goes_on(tmp_path: Path) -> None:
    result = machine(tmp_path, uid=1000).run(FRAUD_SKIP_SYSTEM_PACKAGES="1")
    assert result.returncode == 0, result.stderr
    assert "WARNING: missing system packages (FRAUD_SKIP_SYSTEM_PACKAGES=1): redis-server" in (
        result.stderr
    )
    assert not (tmp_path / "apt.log").exists()
