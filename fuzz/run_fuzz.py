"""``make fuzz``: Schemathesis against /api/schema/ on the production stack (started here, on
loopback, against a fresh database FUZZ_DATABASE_URL, default tracker_fuzz, holding the 2026
budget and the demo progress), authenticated in turn as each role (a token per role), with the
checks not_a_server_error, response_schema_conformance, content_type_conformance (and
status_code_conformance with FUZZ_STRICT_STATUS=1); then the Hypothesis property tests of
tests/ops/test_fuzz_parsers.py with FUZZ_EXAMPLES (default 2000) examples each.

Fails (non-zero) when any check fails or when fewer than FUZZ_MIN_REQUESTS (1,000) API requests
were made (counted from gunicorn's access log).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "loadtest"))
from stack import BIN, ROOT, VAR, Stack, manage, prepare, recreate_database, stack_env


def main() -> int:
    out = VAR / "fuzz"
    out.mkdir(parents=True, exist_ok=True)
    env = stack_env(
        database_url=os.environ.get("FUZZ_DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/tracker_fuzz",
        broker_url=os.environ.get("FUZZ_BROKER_URL") or "redis://127.0.0.1:6379/6",
        port=int(os.environ.get("FUZZ_PORT", "8060")),
        WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "3"),
        GUNICORN_TIMEOUT="60",
        OPS_HEARTBEAT_INTERVAL="5",
        CELERY_BEAT_SCHEDULE_FILE=str(VAR / "fuzz-celerybeat-schedule"),
        LOG_LEVEL="WARNING",
        AXES_FAILURE_LIMIT="100000",
    )
    examples = os.environ.get("FUZZ_API_EXAMPLES", "30")
    strict = os.environ.get("FUZZ_STRICT_STATUS", "0") == "1"
    checks = "not_a_server_error,response_schema_conformance,content_type_conformance"
    if strict:
        checks += ",status_code_conformance"

    print("== preparing the fuzz database (recreated) ==", flush=True)
    recreate_database(env["DATABASE_URL"])
    prepare(env, two_roles=True)
    manage(env, "seed_demo", "--force", stdout=subprocess.DEVNULL)
    tokens = json.loads(
        subprocess.run(
            [str(BIN / "python"), "fuzz/setup_users.py"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )

    log = out / "stack.log"
    log.unlink(missing_ok=True)
    failed: list[str] = []
    with Stack(env, log=log) as stack:
        schema = f"http://127.0.0.1:{stack.port}/api/schema/"
        for role, token in tokens.items():
            print(f"\n== schemathesis as {role} ==", flush=True)
            done = subprocess.run(
                [
                    str(BIN / "schemathesis"),
                    "--no-color",
                    "run",
                    schema,
                    "--header",
                    f"Authorization: Token {token}",
                    "--checks",
                    checks,
                    # Revoking the role's own token would leave the rest of the run at 401.
                    "--exclude-operation-id",
                    "auth_token_revoke",
                    "--max-examples",
                    examples,
                    # One worker: with several, Python 3.11's parser can fail inside schemathesis
                    # ("AST constructor recursion depth mismatch"), a runtime error of the tool.
                    "--workers",
                    "1",
                    "--request-timeout",
                    "60",
                    "--suppress-health-check",
                    "all",
                    "--generation-database",
                    "none",
                    "--report",
                    "junit",
                    "--report-junit-path",
                    str(out / f"junit-{role}.xml"),
                    *(["--seed", os.environ["FUZZ_SEED"]] if os.environ.get("FUZZ_SEED") else []),
                ],
                cwd=out,  # its cache (.schemathesis/) stays under var/
                env={**env, "NO_COLOR": "1"},
            )
            if done.returncode != 0:
                failed.append(f"schemathesis as {role}: exit {done.returncode}")
    requests = 0
    server_errors = 0
    for line in log.read_text(errors="replace").splitlines():
        if '"gunicorn.access"' in line and '"path": "/api/v1/' in line:
            requests += 1
            if '"status": 5' in line:
                server_errors += 1
    minimum = int(os.environ.get("FUZZ_MIN_REQUESTS", "1000"))
    print(f"\nAPI requests made: {requests:,} (minimum {minimum:,}); 5xx answers: {server_errors}")
    if requests < minimum:
        failed.append(f"only {requests} API requests (< {minimum})")
    if server_errors:
        failed.append(f"{server_errors} server errors (5xx) in {log}")

    print("\n== Hypothesis: the parsers ==", flush=True)
    pytest_env = {
        **os.environ,
        "DEBUG": "1",
        "FUZZ_EXAMPLES": os.environ.get("FUZZ_EXAMPLES", "2000"),
        "DATABASE_URL": os.environ.get("FUZZ_TEST_DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/tracker_fuzz_tests",
        "CELERY_BROKER_URL": "",
    }
    done = subprocess.run(
        [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider", "tests/ops/test_fuzz_parsers.py"],
        cwd=ROOT,
        env=pytest_env,
    )
    if done.returncode != 0:
        failed.append("Hypothesis property tests failed")

    if failed:
        print("\nFUZZ FAILED:\n  - " + "\n  - ".join(failed))
        return 1
    print("\nFUZZ PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
