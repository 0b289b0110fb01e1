"""Settings come from the environment; production refuses to start without a SECRET_KEY."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent


def _run(env_overrides: dict[str, str], drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings;"
            " print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER,"
            " settings.TIME_ZONE, [c for c, _ in settings.LANGUAGES])",
        ],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run({"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings"}, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_without_database_url_debug_means_a_local_postgresql_and_in_process_tasks():
    result = _run(
        {"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"},
        drop=("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["django.db.backends.postgresql", "True", "Asia/Seoul"]
    assert "['ko', 'en']" in result.stdout


def test_production_refuses_to_start_without_a_database_url():
    result = _run(
        {"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50},
        drop=("DATABASE_URL",),
    )
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_connections_persist_and_are_checked_before_reuse(settings):
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True


def test_the_embedded_servers_socket_url_is_understood():
    """make run and make test hand Django the embedded server's Unix-socket URL."""
    import environ

    config = environ.Env.db_url_config("postgresql://postgres:@/tracker?host=/srv/var/pgdata")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"]) == ("tracker", "postgres")
    assert config["OPTIONS"] == {"host": "/srv/var/pgdata"}


# Settings derived from others rather than read from the environment.
DERIVED = {"CELERY_TASK_ALWAYS_EAGER"}


def _read_settings() -> set[str]:
    """The names the code reads with getattr(settings, "NAME", ...) or through a helper taking
    the setting's name (reporting's ``_setting("NAME", ...)``)."""
    pattern = re.compile(r'(?:getattr\(settings,\s*|_setting\()"([A-Z][A-Z0-9_]+)"')
    names: set[str] = set()
    for path in BASE.rglob("*.py"):
        parts = path.relative_to(BASE).parts
        if parts[0] in {".venv", "tests", "node_modules"} or "migrations" in parts:
            continue
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_setting_the_code_reads_is_declared_in_settings_and_env_example():
    names = _read_settings()
    assert "STATUS_THRESHOLDS" in names  # the scan finds what it is meant to
    declared = (BASE / "config" / "settings.py").read_text()
    example = (BASE / ".env.example").read_text()
    undeclared = sorted(n for n in names if not re.search(rf"^{n}\b", declared, re.M))
    assert not undeclared, f"read but not declared in config/settings.py: {undeclared}"
    missing = sorted(n for n in names - DERIVED if not re.search(rf"\b{n}=", example))
    assert not missing, f"read but not in .env.example: {missing}"


def test_every_environment_variable_of_the_settings_is_in_env_example():
    declared = (BASE / "config" / "settings.py").read_text()
    variables = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', declared))
    assert {"DATABASE_URL", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"} <= variables
    example = (BASE / ".env.example").read_text()
    missing = sorted(v for v in variables if not re.search(rf"\b{v}=", example))
    assert not missing, f"read by config/settings.py but not in .env.example: {missing}"


def test_environment_selects_postgresql_and_a_real_broker():
    result = _run(
        {
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/anything",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["django.db.backends.postgresql", "False"]
