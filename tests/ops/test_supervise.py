"""ops/supervise.py, the wrapper the Procfile runs the Celery worker and beat through: a command
that exits is started again (a Procfile runner would otherwise stop every process), signals are
passed on, and a stop signal ends it (also during the wait before a restart)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ops.supervise import next_delay

ROOT = Path(__file__).resolve().parents[2]

# A child that records each start (and each SIGHUP) in a file; the first FAILS starts exit 3 at
# once, the later ones run until a signal ends them.
CHILD = textwrap.dedent(
    """
    import signal, sys, time
    log, fails = sys.argv[1], int(sys.argv[2])
    with open(log, "a") as f:
        f.write("start\\n")
    starts = open(log).read().count("start")
    def hup(signum, frame):
        with open(log, "a") as f:
            f.write("hup\\n")
    signal.signal(signal.SIGHUP, hup)
    if starts <= fails:
        sys.exit(3)
    while True:
        time.sleep(0.05)
    """
)


def _supervise(tmp_path: Path, fails: int, **env: str) -> tuple[subprocess.Popen[str], Path]:
    log = tmp_path / "child.log"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ops.supervise",
            "--",
            sys.executable,
            str(script),
            str(log),
            str(fails),
        ],
        cwd=ROOT,
        env={**os.environ, "SUPERVISE_MAX_DELAY": "0.2", **env},
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, log


def _wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _lines(log: Path, word: str) -> int:
    return log.read_text().split().count(word) if log.exists() else 0


def test_a_command_that_exits_is_started_again_and_sigterm_stops_it(tmp_path):
    proc, log = _supervise(tmp_path, fails=2)
    try:
        _wait_for(lambda: _lines(log, "start") == 3)
        time.sleep(0.3)
        assert proc.poll() is None  # the third start keeps running
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 128 + signal.SIGTERM  # the command's status: ended by the forwarded SIGTERM
    assert _lines(log, "start") == 3  # nothing restarted after the stop
    records = [json.loads(line) for line in proc.stderr.read().splitlines() if line.startswith("{")]
    assert [r["exit_status"] for r in records] == [3, 3]
    assert all(r["logger"] == "ops.supervise" and r["level"] == "WARNING" for r in records)
    assert [r["restarts"] for r in records] == [1, 2]


def test_sighup_is_passed_on_and_does_not_stop(tmp_path):
    proc, log = _supervise(tmp_path, fails=0)
    try:
        _wait_for(lambda: _lines(log, "start") == 1)
        time.sleep(0.2)  # the child's handler is installed
        proc.send_signal(signal.SIGHUP)
        _wait_for(lambda: _lines(log, "hup") == 1)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 128 + signal.SIGINT
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _lines(log, "start") == 1


def test_a_stop_during_the_wait_before_a_restart_ends_it_at_once(tmp_path):
    # Every start fails; with a 30-second cap the waits grow, and SIGTERM must not wait them out.
    proc, log = _supervise(tmp_path, fails=1000, SUPERVISE_MAX_DELAY="30")
    try:
        _wait_for(lambda: _lines(log, "start") >= 2)
        time.sleep(0.2)  # now in the 2-second wait before the third start
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        assert time.monotonic() - started < 1.5
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 3  # the last exit status of the command


def test_no_command_is_a_usage_error():
    done = subprocess.run(
        [sys.executable, "-m", "ops.supervise"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "Keep one command running" in done.stderr


@pytest.mark.parametrize(
    ("delay", "ran_for", "expected"),
    [(0.5, 0.1, 1.0), (1.0, 0.1, 2.0), (16.0, 5.0, 30.0), (30.0, 5.0, 30.0), (30.0, 61.0, 1.0)],
)
def test_the_wait_doubles_after_quick_failures_and_resets_after_a_long_run(
    delay, ran_for, expected
):
    assert next_delay(delay, ran_for, max_delay=30.0, reset_after=60.0) == expected


def test_the_procfile_supervises_worker_and_beat():
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    for name in ("worker", "beat"):
        assert lines[name].strip().startswith(f"python -m ops.supervise -- celery -A config {name}")
    assert "supervise" not in lines["web"]  # gunicorn's master supervises its own workers
