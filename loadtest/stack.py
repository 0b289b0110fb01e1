"""The production stack on this machine (``make serve``, ``make load``, ``make faults``).

``prepare`` creates the database if needed, migrates, collects the static files and loads the 2026
budget; ``Stack`` runs supervisord with ops/supervisord.conf (gunicorn, a Celery worker, Celery
beat; supervisord starts whichever exits again and leaves the others running) in its own process
group, waits for /healthz to answer 200, and stops it (SIGTERM: supervisord stops the three, then
itself) on exit. Everything binds to 127.0.0.1.

``make serve`` and ``make fuzz`` use two database roles (``prepare(env, two_roles=True)``):
``manage.py create_db_roles`` (as the URL's superuser) makes ``tracker_owner``, which runs migrate
and owns the tables, and ``tracker_app``, which the web processes, the worker and beat connect as
and which may only SELECT and INSERT on the audit trail. The audit chain's key is
SERVE_AUDIT_HMAC_KEY, or one generated once into var/audit-hmac-key.

    python loadtest/stack.py serve      # prepare, then supervisord in the foreground (make serve)
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VAR = ROOT / "var"


def stack_env(
    *,
    database_url: str | None = None,
    broker_url: str | None = None,
    port: int | None = None,
    **extra: str,
) -> dict[str, str]:
    """The environment of a local production run: DEBUG off, a generated SECRET_KEY, loopback
    hosts, plain http (no SSL redirect, no secure cookies, no HSTS)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url
        or os.environ.get("SERVE_DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/tracker_serve",
        CELERY_BROKER_URL=broker_url
        or os.environ.get("SERVE_BROKER_URL")
        or "redis://127.0.0.1:6379/4",
        DEBUG="0",
        SECRET_KEY=os.environ.get("SERVE_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        LANGUAGE_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        BIND_HOST="127.0.0.1",
        PORT=str(port or int(os.environ.get("PORT", "8000"))),
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        CELERY_BEAT_SCHEDULE_FILE=str(VAR / "celerybeat-schedule"),
        AUDIT_HMAC_KEY=os.environ.get("SERVE_AUDIT_HMAC_KEY") or local_audit_key(),
        AUDIT_HEAD_FILE=str(VAR / "audit-heads.txt"),
        # Persistent connections, as in production (each process keeps its own).
        CONN_MAX_AGE=os.environ.get("CONN_MAX_AGE", "60"),
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra)
    return env


def local_audit_key() -> str:
    """The audit chain key of local production runs: made once, kept in var/ (mode 0600)."""
    path = VAR / "audit-hmac-key"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def with_user(database_url: str, user: str) -> str:
    """The same database URL for another role (no password: local trust authentication)."""
    scheme, rest = database_url.split("://", 1)
    host = rest.split("@", 1)[1] if "@" in rest.split("/", 1)[0] else rest
    return f"{scheme}://{user}@{host}"


def use_two_roles(env: dict[str, str]) -> dict[str, str]:
    """Create the owner and application roles (as DATABASE_URL's superuser) and return the
    environment of the owner (for migrate); ``env`` then connects as the application role."""
    owner = os.environ.get("SERVE_DB_OWNER", "tracker_owner")
    app = os.environ.get("SERVE_DB_APP", "tracker_app")
    manage(env, "create_db_roles", "--owner", owner, "--app", app, stdout=subprocess.DEVNULL)
    superuser_url = env["DATABASE_URL"]
    env.update(DATABASE_URL=with_user(superuser_url, app), DATABASE_APP_ROLE=app)
    return {**env, "DATABASE_URL": with_user(superuser_url, owner)}


def ensure_database(database_url: str) -> None:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", flush=True)


def manage(env: dict[str, str], *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        **kwargs,
    )


def recreate_database(database_url: str) -> None:
    """Drops and creates the database (only for the dedicated load and fault databases)."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(env: dict[str, str], *, load_budget: bool = True, two_roles: bool = False) -> None:
    """migrate + collectstatic + load_budget (the shipped 2026 budget). With ``two_roles``,
    migrate runs as the owner role and ``env`` is switched to the application role."""
    VAR.mkdir(exist_ok=True)
    ensure_database(env["DATABASE_URL"])
    migrate_env = use_two_roles(env) if two_roles else env
    manage(migrate_env, "migrate", "--noinput", stdout=subprocess.DEVNULL)
    manage(env, "collectstatic", "--noinput", stdout=subprocess.DEVNULL)
    if load_budget:
        manage(env, "load_budget", "data/ai_budget_2026.yaml", stdout=subprocess.DEVNULL)
    print(
        "migrated, static files collected" + (", 2026 budget loaded" if load_budget else ""),
        flush=True,
    )


def healthz(port: int, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


SUPERVISORD = [str(BIN / "supervisord"), "-c", str(ROOT / "ops" / "supervisord.conf")]


class Stack:
    """supervisord (web, worker, beat) in the background; ``with Stack(env) as stack: ...``."""

    def __init__(self, env: dict[str, str], *, log: Path | None = None) -> None:
        self.env = env
        self.port = int(env["PORT"])
        self.log_path = log or VAR / "stack.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: float = 120.0) -> None:
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            SUPERVISORD,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped by its id
        )
        deadline = time.monotonic() + wait
        status, body = 0, ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the stack exited early; see {self.log_path}")
            status, body = healthz(self.port)
            if status == 200:
                print(f"stack up on http://127.0.0.1:{self.port} (healthz 200)", flush=True)
                return
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"/healthz not 200 after {wait:.0f} s ({status} {body[:300]})")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None
        if getattr(self, "_log", None):
            self._log.close()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve() -> None:
    env = stack_env()
    prepare(env, two_roles=True)
    print(f"serving on http://127.0.0.1:{env['PORT']} (Ctrl-C stops web, worker and beat)")
    os.chdir(ROOT)
    os.execve(SUPERVISORD[0], SUPERVISORD, env)


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        sys.exit(__doc__)
