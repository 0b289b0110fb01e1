"""A private PostgreSQL cluster and a private Redis for ``make faults``.

The fault runs stop and restart the database and the broker. They must never touch the services
other people on the machine use (PostgreSQL 5432, Redis 6379), so each run makes its own: a
throw-away cluster (``initdb`` into a temporary directory, trust authentication, listening on
127.0.0.1 only, its socket in that directory) and a ``redis-server`` without persistence, on free
ports (55432 and 56379 unless taken or set by ``FAULTS_PG_PORT`` / ``FAULTS_REDIS_PORT``). Only
those are stopped and restarted; ``close()`` stops both and removes the directory.

Run as root, the PostgreSQL commands run as the ``postgres`` user (``runuser -u postgres --``),
as PostgreSQL refuses to run as root.
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
import time
from pathlib import Path


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As the servers bind: a port whose old connections linger in TIME_WAIT is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(preferred: int, tries: int = 50) -> int:
    for port in range(preferred, preferred + tries):
        if port_is_free(port):
            return port
    raise RuntimeError(f"no free port in {preferred}..{preferred + tries - 1}")


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def pg_bindir() -> Path:
    """FAULTS_PG_BINDIR, else the newest /usr/lib/postgresql/<version>/bin, else pg_config's."""
    if os.environ.get("FAULTS_PG_BINDIR"):
        return Path(os.environ["FAULTS_PG_BINDIR"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


class PrivateServices:
    """``with PrivateServices() as services:`` a private PostgreSQL and Redis, removed after."""

    def __init__(self, *, pg_port: int | None = None, redis_port: int | None = None) -> None:
        self.pg_port = pg_port or free_port(int(os.environ.get("FAULTS_PG_PORT", "55432")))
        self.redis_port = redis_port or free_port(int(os.environ.get("FAULTS_REDIS_PORT", "56379")))
        self.bindir = pg_bindir()
        self.as_postgres = os.geteuid() == 0
        self.dir: Path | None = None
        self._pg_started = False
        self._redis_started = False

    # -- addresses --------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/tracker_faults"

    @property
    def broker_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    # -- commands (also printed by --dry-run) -----------------------------------------------

    def _pg(self, tool: str, *args: str) -> list[str]:
        cmd = [str(self.bindir / tool), *args]
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_postgres else cmd

    def _data(self) -> str:
        return str((self.dir or Path("<tmpdir>")) / "pgdata")

    def initdb_command(self) -> list[str]:
        return self._pg(
            "initdb", "-D", self._data(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip

    def pg_start_command(self) -> list[str]:
        sockets = str(self.dir or "<tmpdir>")
        options = f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {sockets}"
        log = str((self.dir or Path("<tmpdir>")) / "postgres.log")
        return self._pg(
            "pg_ctl", "-D", self._data(), "-l", log, "-o", options, "-w", "-t", "60", "start"
        )  # fmt: skip

    def pg_stop_command(self, mode: str = "fast") -> list[str]:
        return self._pg("pg_ctl", "-D", self._data(), "-m", mode, "-w", "-t", "60", "stop")

    def redis_start_command(self) -> list[str]:
        where = self.dir or Path("<tmpdir>")
        return [
            "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "yes",
            "--dir", str(where), "--pidfile", str(where / "redis.pid"),
            "--logfile", str(where / "redis.log"),
        ]  # fmt: skip

    def redis_stop_command(self) -> list[str]:
        return ["redis-cli", "-h", "127.0.0.1", "-p", str(self.redis_port), "shutdown", "nosave"]

    # -- life cycle -------------------------------------------------------------------------

    def open(self) -> None:
        for port in (self.pg_port, self.redis_port):
            if not port_is_free(port):
                raise RuntimeError(f"port {port} is taken: set FAULTS_PG_PORT/FAULTS_REDIS_PORT")
        self.dir = Path(tempfile.mkdtemp(prefix="tracker-faults-"))
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        os.chmod(self.dir, 0o700)
        subprocess.run(self.initdb_command(), check=True, stdout=subprocess.DEVNULL)
        self.start_postgres()
        self.start_redis()

    def start_postgres(self) -> None:
        subprocess.run(self.pg_start_command(), check=True, stdout=subprocess.DEVNULL)
        self._pg_started = True

    def stop_postgres(self, mode: str = "fast") -> None:
        subprocess.run(self.pg_stop_command(mode), check=True, stdout=subprocess.DEVNULL)
        self._pg_started = False

    def start_redis(self, timeout: float = 20) -> None:
        subprocess.run(self.redis_start_command(), check=True, stdout=subprocess.DEVNULL)
        self._redis_started = True
        deadline = time.monotonic() + timeout
        while not port_is_open(self.redis_port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server not listening on {self.redis_port}")
            time.sleep(0.1)

    def stop_redis(self, timeout: float = 20) -> None:
        subprocess.run(self.redis_stop_command(), check=False, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while port_is_open(self.redis_port) and time.monotonic() < deadline:
            time.sleep(0.1)
        self._redis_started = False

    def close(self) -> None:
        """Stop both (whatever state they are in) and remove the directory."""
        if self.dir is None:
            return
        if self._pg_started or (self.dir / "pgdata" / "postmaster.pid").exists():
            subprocess.run(self.pg_stop_command("immediate"), check=False, capture_output=True)
        if self._redis_started or port_is_open(self.redis_port):
            self.stop_redis()
        pidfile = self.dir / "redis.pid"
        if port_is_open(self.redis_port) and pidfile.exists():
            # shutdown refused or timed out: end that one process, by its id
            with contextlib.suppress(ValueError, ProcessLookupError):
                os.kill(int(pidfile.read_text().strip()), 9)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> PrivateServices:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
