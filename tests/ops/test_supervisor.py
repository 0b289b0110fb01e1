"""ops/supervisord.conf, the process supervisor of the production stack (make serve, make load,
make faults): supervisord starts web, worker and beat; a process that exits is started again
while the others keep running; SIGTERM stops all three and supervisord itself.

Run here with the real configuration and supervisord, but with stand-ins for gunicorn and celery
found first on PATH (the configuration finds its programs on PATH): each records its starts, and
the worker's first start exits at once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "ops" / "supervisord.conf"

STAND_IN = textwrap.dedent(
    """\
    #!{python}
    import os, signal, sys, time
    role = "web" if os.path.basename(sys.argv[0]) == "gunicorn" else sys.argv[3]
    log = os.environ["STAND_IN_LOG"]
    with open(log, "a") as f:
        f.write(f"{{role}} {{os.getpid()}} {{' '.join(sys.argv[1:])}}\\n")
    starts = sum(1 for line in open(log) if line.split()[0] == role)
    if role == "worker" and starts == 1:
        sys.exit(3)  # the first worker dies at once: supervisord must start it again
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(0.1)
    """
)


def _starts(log: Path) -> list[tuple[str, int, str]]:
    if not log.exists():
        return []
    out = []
    for line in log.read_text().splitlines():
        role, pid, args = line.split(" ", 2)
        out.append((role, int(pid), args))
    return out


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_supervisord_restarts_the_process_that_exits_and_stops_all_on_sigterm(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("gunicorn", "celery"):
        path = bin_dir / name
        path.write_text(STAND_IN.format(python=sys.executable))
        path.chmod(0o755)
    log = tmp_path / "starts.log"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "STAND_IN_LOG": str(log),
        "CELERY_CONCURRENCY": "3",
    }
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "supervisord"),
            "-c",
            str(CONF),
            "--pidfile",
            str(tmp_path / "supervisord.pid"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # web and beat once, the worker twice (its first start exited with status 3).
        everyone = ["beat", "web", "worker", "worker"]
        _wait_for(lambda: sorted(r for r, _, _ in _starts(log)) == everyone)
        time.sleep(1.5)  # past startsecs: everyone is RUNNING, nothing more is started
        starts = _starts(log)
        assert sorted(r for r, _, _ in starts) == everyone
        args = {role: a for role, _, a in starts}
        assert args["web"] == "config.wsgi --config gunicorn.conf.py"
        assert args["worker"] == "-A config worker --loglevel=INFO --concurrency=3"
        assert args["beat"].startswith("-A config beat --loglevel=INFO --schedule=var/")
        # The latest start of each runs under supervisord (the sh of the Celery lines execs).
        latest = {role: pid for role, pid, _ in starts}
        children = {p.pid for p in psutil.Process(proc.pid).children()}
        assert set(latest.values()) <= children
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read() if proc.stdout else ""
    assert code == 0
    assert re.search(r"exited: worker \(exit status 3; not expected\)", output), output
    assert len(re.findall(r"spawned: 'worker'", output)) == 2
    assert len(re.findall(r"spawned: 'web'", output)) == 1
    for _, pid, _ in _starts(log):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
