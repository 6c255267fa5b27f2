"""A throwaway PostgreSQL server on 127.0.0.1, for the `pg` state backend tests (tests/postgres.py)
and the benchmark (scripts/bench/); a development helper the product never imports.

PostgreSQL refuses to run as root, and the tests usually do (CI runs as root): then the server
runs as the unprivileged `postgres` user (or `nobody`) through `runuser`, in a temporary folder
that user owns. Authentication is `trust`, on loopback only.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

SUPERUSER = "coinpilot"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.user = None
        if os.geteuid() == 0:
            self.user = next(name for name in ("postgres", "nobody") if _user_exists(name))
        # Not under pytest's tmp folder: as root that one is 0700, closed to the server's user.
        self.base = Path(tempfile.mkdtemp(prefix="coinpilot-pg-"))
        self.data = self.base / "data"
        self.port = _free_port()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)

    @property
    def conn_str(self) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/postgres?sslmode=disable"

    def command(self, *argv: str) -> list[str]:
        """argv of a server program, run as the server's user."""
        command = [str(self.binaries / argv[0]), *argv[1:]]
        return ["runuser", "-u", self.user, "--", *command] if self.user else command

    def stop_command(self) -> list[str]:
        return self.command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def _run(self, *argv: str) -> None:
        self._check(self.command(*argv))

    def _check(self, command: list[str]) -> None:
        result = subprocess.run(command, check=False, capture_output=True, text=True, cwd=self.base, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")

    def initialize(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.base} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "server.log"), "-w", "start")

    def stop(self) -> None:
        self._check(self.stop_command())

    def remove(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer | None]:
    """A started server for the `with` block (None without the binaries): the test fixture, and
    what the benchmark measures the pg backend on (PG_CONN_STR=server.conn_str)."""
    binaries = server_binaries()
    if binaries is None:
        yield None
        return
    server = PostgresServer(binaries).initialize()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
