"""Gunicorn settings, from the environment (ops/supervisord.conf: ``gunicorn config.wsgi``).

PORT (default 8000) and BIND_HOST (default 0.0.0.0; `make serve` uses 127.0.0.1),
WEB_CONCURRENCY workers (default 2 x CPUs + 1, at most 8), GUNICORN_THREADS (default 1),
GUNICORN_TIMEOUT (default 30 s), GUNICORN_GRACEFUL_TIMEOUT, GUNICORN_KEEPALIVE. gunicorn's own
lines (the access log, carrying the X-Request-ID the application answered with, and its error
log) are JSON objects on stdout, formatted like the application's (ops.logs.json_formatter).
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from ops.logs import json_formatter


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then (bounded memory growth), staggered.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Headers and request line limits stay at gunicorn's defaults; behind a proxy, trust it for
# X-Forwarded-* only when FORWARDED_ALLOW_IPS says so (gunicorn reads that variable itself).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "ai-budget-tracker"


class JSONLogger(Logger):
    """gunicorn's access and error lines through python-json-logger (the query string is left
    out of the access line: it may carry tokens)."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            for handler in log.handlers:
                handler.setFormatter(json_formatter())

    def access(self, resp, req, environ, request_time):
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        headers = dict((name.lower(), value) for name, value in (resp.headers or []))
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        fields = {
            "method": method,
            "path": path,
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.seconds * 1000 + request_time.microseconds / 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
            "request_id": headers.get("x-request-id", ""),
        }
        try:
            self.access_log.info("%s %s %s", method, path, status, extra=fields)
        except Exception:
            self.exception("Failed to write the access log line")


logger_class = JSONLogger
