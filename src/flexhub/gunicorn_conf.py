"""flexhub's production gunicorn settings: `gunicorn -c python:flexhub.gunicorn_conf flexhub.wsgi`.

Each can be changed by the environment variable named beside it, so one file serves every host
(docs/operations.md); the benchmark (bench/bench_web.py) serves flexhub with it too."""

from __future__ import annotations

import os

bind = os.environ.get("FLEXHUB_BIND", "127.0.0.1:8000")
# Sync workers: a request is a few milliseconds of Python and database work, so about two per
# core keeps the cores busy while one waits on the database.
workers = int(os.environ.get("FLEXHUB_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
# CSV imports of several hundred thousand rows run inside the request (docs/operations.md).
timeout = int(os.environ.get("FLEXHUB_WORKER_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# gunicorn's longest request line (its default is 4094 bytes). A longer one gets gunicorn's own
# HTML "URI Too Long" before flexhub sees it, where the API answers every error in JSON; a filter
# of many values can run past 4 KB, and browsers and proxies commonly allow 8 KB.
limit_request_line = 8190
# Load the application once, before the workers fork: they share its memory and start at once.
preload_app = True
# A worker that has served this many requests is replaced, so a slow leak cannot grow for ever.
max_requests = 20000
max_requests_jitter = 2000
# The access log costs a write per request; the proxy in front usually keeps one already.
accesslog = os.environ.get("FLEXHUB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("FLEXHUB_LOG_LEVEL", "warning").lower()
# Heartbeat files in memory, not on a disk that may stall (gunicorn's advice; it makes them with
# mkstemp, so a shared directory is safe).
SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
forwarded_allow_ips = os.environ.get("FLEXHUB_FORWARDED_ALLOW_IPS", "127.0.0.1")
