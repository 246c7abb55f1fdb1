"""The two images the node itself needs, built here because no registry can be reached: the
pod sandbox's pause process (a few lines of C, statically linked) and CoreDNS (the binary of
the pinned release built with `go install`), each alone in an image made from scratch by
podman. Both are tagged with their recipe's hash, so a changed recipe builds afresh and an
unchanged one is reused from podman's store.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from fraud_k8sapi import build
from fraud_k8sapi.versions import COREDNS

# Sleeps until told to stop; ignoring SIGCHLD lets the kernel reap any child it inherits.
PAUSE_C = """\
#include <signal.h>
#include <unistd.h>
static void stop(int signum) { (void)signum; _exit(0); }
int main(void) {
  signal(SIGINT, stop); signal(SIGTERM, stop); signal(SIGCHLD, SIG_IGN);
  for (;;) pause();
}
"""
PAUSE_REPOSITORY = "localhost/fraud-k8s/pause"
COREDNS_REPOSITORY = "localhost/fraud-k8s/coredns"


def _containerfile(binary: str, user: str) -> str:
    return f'FROM scratch\nCOPY {binary} /{binary}\nUSER {user}\nENTRYPOINT ["/{binary}"]\n'


def _podman(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - podman with arguments from this module
        [shutil.which("podman") or "podman", *args], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"podman {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _build(repository: str, binary: Path, user: str, recipe: str) -> str:
    containerfile = _containerfile(binary.name, user)
    tag = hashlib.sha256((recipe + containerfile).encode()).hexdigest()[:12]
    name = f"{repository}:{tag}"
    if _podman("images", "--quiet", name).strip():
        return name
    with tempfile.TemporaryDirectory() as context:
        shutil.copy2(binary, Path(context) / binary.name)
        (Path(context) / "Containerfile").write_text(containerfile)
        _podman("build", "--quiet", "--pull=never", "--tag", name, context)
    return name


def pause_image() -> str:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        raise FileNotFoundError("a C compiler builds the pause image: apt-get install gcc")
    with tempfile.TemporaryDirectory() as folder:
        source, binary = Path(folder) / "pause.c", Path(folder) / "pause"
        source.write_text(PAUSE_C)
        subprocess.run(  # noqa: S603 - the system compiler on a file this module wrote
            [cc, "-static", "-Os", "-s", "-o", str(binary), str(source)], check=True
        )
        return _build(PAUSE_REPOSITORY, binary, "65535:65535", PAUSE_C)


def coredns_image() -> str:
    binary = build.ensure(COREDNS) / "coredns"
    return _build(COREDNS_REPOSITORY, binary, "65532:65532", f"coredns {COREDNS.version}")
