"""flexhub served as docs/operations.md serves it: gunicorn with flexhub.gunicorn_conf.

These start a real gunicorn on a free loopback port, because what they check (which answers
gunicorn gives before flexhub sees a request) lives in the server, not in Django."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of flexhub served by gunicorn with the production configuration."""
    var_dir = tmp_path_factory.mktemp("gunicorn-var")
    port = _free_port()
    env = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        "FLEXHUB_VAR_DIR": str(var_dir),
        "FLEXHUB_DEBUG": "0",
        "FLEXHUB_BIND": f"127.0.0.1:{port}",
        "FLEXHUB_WORKERS": "1",
    }
    server = subprocess.Popen(
        [str(GUNICORN), "-c", "python:flexhub.gunicorn_conf", "flexhub.wsgi"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.1)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_a_long_api_query_reaches_flexhub_and_is_answered_in_json(served: str) -> None:
    # 6,731 bytes: the request line the API fuzzer once generated, which gunicorn's default limit
    # (4,094 bytes) answered itself with an HTML "URI Too Long".
    query = "name=" + "x" * 6700
    status, content_type, body = _get(f"{served}/api/v1/no-such-list/?{query}")

    assert status == 404
    assert content_type == "application/json"
    assert json.loads(body) == {"detail": "Not found."}


def test_the_wsgi_module_loads_every_view_before_the_workers_are_forked(tmp_path: Path) -> None:
    """gunicorn preloads flexhub.wsgi in its master: the URLconf (every view and API module) must
    be loaded by it, or each new worker, and each one replacing another after max_requests, keeps
    its first callers waiting half a second while it imports them."""
    env = {
        **{name: value for name, value in os.environ.items() if name != "DATABASE_URL"},
        "FLEXHUB_VAR_DIR": str(tmp_path),
    }
    probe = "import sys, flexhub.wsgi; print(sorted({'flexhub.urls', 'flexhub.api_urls'} - set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
