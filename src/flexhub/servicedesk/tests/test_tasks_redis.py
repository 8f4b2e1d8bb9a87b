"""The breach sweep through the Redis queue, as when scaled out (needs Redis on 127.0.0.1:6379)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REDIS = os.environ.get("FLEXHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_sweep_is_queued_on_redis_and_run_by_a_worker(tmp_path):
    env = {
        **os.environ,
        "FLEXHUB_VAR_DIR": str(tmp_path),
        "FLEXHUB_REDIS_URL": REDIS,
        "DJANGO_SETTINGS_MODULE": "flexhub.settings",
    }
    env.pop("DATABASE_URL", None)
    flexhub = [sys.executable, "-m", "flexhub"]
    subprocess.run([*flexhub, "migrate", "-v0"], env=env, check=True, cwd=tmp_path)
    queued = subprocess.run(
        [*flexhub, "sla", "--sweep"], env=env, check=True, cwd=tmp_path, capture_output=True, text=True
    ).stdout
    assert "queued as task" in queued
    task_id = queued.split("queued as task ")[1].split()[0]
    subprocess.run(
        [*flexhub, "rqworker", "--burst", "--job-class", "django_tasks_rq.Job", "default"],
        env=env,
        check=True,
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    check = (
        "import django; django.setup()\n"
        "from flexhub.servicedesk.tasks import sla_sweep_task\n"
        f"result = sla_sweep_task.get_backend().get_result({task_id!r})\n"
        "print(result.status, result.return_value['breached'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], env=env, check=True, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.stdout.split()[0] == "SUCCESSFUL"
    assert Path(tmp_path, "flexhub.sqlite3").exists()
