"""Settings come from the environment; production refuses to start without a SECRET_KEY."""

from __future__ import annotations

import os
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


def test_demo_defaults_are_sqlite_and_in_process_tasks(tmp_path):
    result = _run(
        {"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"},
        drop=("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["django.db.backends.sqlite3", "True", "Asia/Seoul"]
    assert "['ko', 'en']" in result.stdout


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
