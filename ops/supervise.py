"""Keep one command running: ``python -m ops.supervise -- celery -A config worker ...``.

The Procfile runs the Celery worker and beat through this. A Procfile runner (honcho, foreman)
stops every process as soon as one exits, so a worker or beat that exits on its own (a lost broker
it gave up on, an out-of-memory kill, a crash) would take the web server down with it. This
wrapper restarts the command instead, after a delay that doubles on each quick failure (1 s up to
``SUPERVISE_MAX_DELAY``, 30 s; a run longer than ``SUPERVISE_RESET_AFTER``, 60 s, resets it).

SIGTERM, SIGINT, SIGQUIT and SIGHUP are passed on to the command; after SIGTERM, SIGINT or SIGQUIT
the wrapper restarts nothing and exits with the command's status. In production use the service
manager instead (systemd ``Restart=always``, see the README); this wrapper only exists for the
Procfile. Standard library only, no Django.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import FrameType

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP)
STOPPING = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def log(message: str, **extra: object) -> None:
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": "WARNING",
        "logger": "ops.supervise",
        "message": message,
        **extra,
    }
    print(json.dumps(line), file=sys.stderr, flush=True)


def next_delay(delay: float, ran_for: float, *, max_delay: float, reset_after: float) -> float:
    """The wait before the next start: 1 s after a long run, doubled after a quick failure."""
    if ran_for >= reset_after:
        return 1.0
    return min(max_delay, delay * 2)


class Supervisor:
    def __init__(
        self,
        command: Sequence[str],
        *,
        max_delay: float = 30.0,
        reset_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.command = list(command)
        self.max_delay = max_delay
        self.reset_after = reset_after
        self.sleep = sleep
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.restarts = 0

    def _signal(self, signum: int, frame: FrameType | None) -> None:
        if signum in STOPPING:
            self.stopping = True
        if self.child is not None and self.child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.child.send_signal(signum)

    def install_handlers(self) -> None:
        for sig in FORWARDED:
            signal.signal(sig, self._signal)

    def _wait(self, seconds: float) -> None:
        """Sleep in short steps so that a stop signal ends the wait at once."""
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            self.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def run(self) -> int:
        delay = 0.5  # doubled to 1 s before the first restart
        while True:
            if self.stopping:
                return 0
            started = time.monotonic()
            try:
                self.child = subprocess.Popen(self.command)
            except OSError as exc:
                log("cannot start the command", command=self.command, error=str(exc))
                return 127
            code = self.child.wait()
            ran_for = time.monotonic() - started
            if self.stopping:
                return code if code >= 0 else 128 - code
            delay = next_delay(
                delay, ran_for, max_delay=self.max_delay, reset_after=self.reset_after
            )
            self.restarts += 1
            log(
                "the command exited; restarting it",
                command=self.command,
                exit_status=code,
                ran_seconds=round(ran_for, 1),
                restart_in_seconds=delay,
                restarts=self.restarts,
            )
            self._wait(delay)
            if self.stopping:
                return code if code >= 0 else 128 - code


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    supervisor = Supervisor(
        args,
        max_delay=float(os.environ.get("SUPERVISE_MAX_DELAY", "30")),
        reset_after=float(os.environ.get("SUPERVISE_RESET_AFTER", "60")),
    )
    supervisor.install_handlers()
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
