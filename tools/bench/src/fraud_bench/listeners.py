"""Which process listens on a loopback TCP port, from /proc: a section given only the broker's
and Redis's addresses still counts their CPU (their sockets name their processes)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

PROC = Path("/proc")
LISTEN = "0A"  # the TCP state /proc/net/tcp spells in hex


def listening_inodes(port: int, proc: Path = PROC) -> set[str]:
    """Socket inodes listening on ``port`` (IPv4 or IPv6, any address)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        path = proc / "net" / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def pid_listening(port: int, proc: Path = PROC) -> int | None:
    """The process holding a listening socket on ``port`` (one we may read), or None."""
    wanted = {f"socket:[{inode}]" for inode in listening_inodes(port, proc)}
    if not wanted:
        return None
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if str(fd.readlink()) in wanted:
                    return int(entry.name)
        except OSError:
            continue  # another user's process, or gone while we looked
    return None


def port_of(address: str) -> int:
    """The port of ``host:port`` (a bootstrap server) or of a URL (``redis://host:port/0``)."""
    parsed = urlsplit(address if "://" in address else f"tcp://{address.split(',', maxsplit=1)[0]}")
    if parsed.port is None:
        raise ValueError(f"{address!r} names no port")
    return parsed.port


def infrastructure(
    bootstrap_servers: str, redis_url: str, database_url: str | None = None
) -> dict[str, int]:
    """The broker's, Redis's and (given its URL) PostgreSQL's processes by name, those found
    (PostgreSQL's listener is its postmaster, whose children serve the connections)."""
    addresses = {"broker": bootstrap_servers, "redis": redis_url}
    if database_url is not None:
        addresses["database"] = database_url
    found = {name: pid_listening(port_of(address)) for name, address in addresses.items()}
    return {name: pid for name, pid in found.items() if pid is not None}
