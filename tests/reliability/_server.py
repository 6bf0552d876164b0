"""Helpers for the reliability tests: the app behind a real threaded WSGI server, real HTTP
clients with their own cookie jars, and the shared report file."""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

import requests
from werkzeug.serving import make_server

from tests.factories import PASSWORD

REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability-report.txt"
EN = {"Accept-Language": "en"}
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'<input[^>]*name="version"[^>]*>')
_VALUE = re.compile(r'value="([^"]*)"')


def report(line: str) -> None:
    """Print a figure and append it to test-artifacts/reliability-report.txt."""
    print(line)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a", encoding="utf-8") as fh:
        fh.write(line.rstrip("\n") + "\n")


@contextlib.contextmanager
def live(app):
    """Serve ``app`` with werkzeug (threaded) on 127.0.0.1:<free port>; yields the base URL."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def version_of(html: str) -> str:
    tag = _VERSION.search(html)
    assert tag, "no version field on the page"
    value = _VALUE.search(tag.group(0))
    return value.group(1) if value else ""


class Browser:
    """One user's HTTP session (own cookie jar) against the live server; close() when done."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.http.headers.update(EN)

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=60, **kw)

    def post(self, path: str, data: dict, *, csrf: str | None = None, **kw) -> requests.Response:
        data = dict(data)
        data["csrf_token"] = csrf or csrf_of(self.get("/login").text)
        return self.http.post(self.base + path, data=data, allow_redirects=False, timeout=60, **kw)

    def login(self, email: str, password: str = PASSWORD) -> None:
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.text[:500]

    def close(self) -> None:
        self.http.close()


@contextlib.contextmanager
def browsers(base: str, n: int):
    opened = [Browser(base) for _ in range(n)]
    try:
        yield opened
    finally:
        for b in opened:
            b.close()
