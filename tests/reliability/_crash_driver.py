"""Crash driver for tests/reliability/test_crash_safety.py (run as a separate process).

``python -m tests.reliability._crash_driver CONFIG.json`` builds the app ONCE, opens a listening
socket on 127.0.0.1, then per iteration forks a child that serves the app with werkzeug on
that (inherited) socket while a client thread here submits proposals and uploads files; after
a random 5–300 ms (one child in four: up to 1.5 s) the child gets SIGKILL, whatever it was doing. Connections still waiting in
the listen queue are accepted and closed so the client fails fast, the client thread is
joined (this process is single-threaded again before the next fork), and the next iteration
forks a fresh child. At the end a last child is started ("restart"), must serve a submission
normally, and is stopped. The figures go to stdout as one JSON object.
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import signal
import socket
import sys
import threading
import time

import requests

from tests.reliability._server import EN, csrf_of, version_of

LONG_EVERY = 4  # one child in four may live long enough for its whole submission


def _pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def form_data(category_id: int, tag: str, rng: random.Random) -> dict:
    """A complete proposal whose budget lines all carry ``tag`` (so a mix of two saves shows)."""
    n = rng.randint(1, 4)
    data = {
        "name": f"守護花蕾 {tag}", "category_id": str(category_id), "districts": ["huicheng"],
        "target_groups": ["children"], "beneficiaries": "300", "start_date": "2027-03-01",
        "end_date": "2027-11-30", "need": "留守兒童安全教育。", "objectives": "300 人次。", "risks": "颱風：改室內。",
        "activities-0-month": "2027-03", "activities-0-activity": "調研", "activities-0-output": "報告",
        "outcomes-0-indicator": "知曉率", "outcomes-0-target": "90%", "outcomes-0-measure": "問卷",
        "team-0-name": "陳美玲", "team-0-role": "主管", "team-0-qualification": "社工師", "team-0-hours": "100",
    }
    total = 0
    for i in range(n):
        price, qty = rng.randint(100, 9000), rng.randint(1, 5)
        total += price * qty
        data.update({f"budget_lines-{i}-category": rng.choice(["personnel", "activities"]),
                     f"budget_lines-{i}-item": f"{tag}-n{n}-{i}", f"budget_lines-{i}-unit_price": str(price),
                     f"budget_lines-{i}-quantity": str(qty)})
    matching = rng.randint(0, total // 2)
    data.update({"requested": str(total - matching), "matching_funds": str(matching)})
    return data


class Client(threading.Thread):
    """Works through fresh drafts: open the form, upload a file, submit; stops when told."""

    def __init__(self, base, cookies, drafts, category_id, pdf, rng, stop, out):
        super().__init__(daemon=True)
        self.base, self.cookies, self.drafts, self.category_id = base, cookies, drafts, category_id
        self.pdf, self.rng, self.stop, self.out = pdf, rng, stop, out

    def run(self):
        http = requests.Session()
        http.cookies.update(self.cookies)
        http.headers.update(EN)
        timeout = (2, 10)
        try:
            for _ in range(3):  # at most 3 proposals per life of a child: the drafts last 100 iterations
                if self.stop.is_set() or not self.drafts:
                    return
                pid = self.drafts.pop()
                self.out["used"].append(pid)
                tag = f"T{pid}x{self.rng.randrange(10**6)}"
                try:
                    page = http.get(f"{self.base}/applicant/proposals/{pid}/edit", timeout=timeout,
                                    allow_redirects=False)
                    self.out["requests"] += 1
                    if page.status_code != 200:
                        self.out["unexpected"].append((pid, "edit", page.status_code))
                        continue
                    csrf, version = csrf_of(page.text), version_of(page.text)
                    up = http.post(f"{self.base}/applicant/proposals/{pid}/attachments", timeout=timeout,
                                   data={"csrf_token": csrf, "kind": "other"}, allow_redirects=False,
                                   files={"file": ("補充材料.pdf", self.pdf, "application/pdf")})
                    self.out["requests"] += 1
                    if up.status_code == 302:
                        self.out["uploads_ok"] += 1
                    else:
                        self.out["unexpected"].append((pid, "upload", up.status_code))
                    data = form_data(self.category_id, tag, self.rng)
                    data.update({"csrf_token": csrf, "version": version, "action": "submit"})
                    sub = http.post(f"{self.base}/applicant/proposals/{pid}/edit", data=data, timeout=timeout,
                                    allow_redirects=False)
                    self.out["requests"] += 1
                    if sub.status_code == 302 and sub.headers["Location"].endswith("/submitted"):
                        self.out["acknowledged"][str(pid)] = tag
                    else:
                        self.out["unexpected"].append((pid, "submit", sub.status_code))
                except (requests.ConnectionError, requests.Timeout):
                    self.out["interrupted"] += 1
                    return
        finally:
            http.close()


def drain(listener: socket.socket) -> int:
    """Accept and close whatever waits in the listen queue (no child serves it any more)."""
    n = 0
    listener.setblocking(False)
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return n
            conn.close()
            n += 1
    finally:
        listener.setblocking(True)


def serve_child(app, listener: socket.socket, port: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: serve until killed
        from werkzeug.serving import make_server

        from grants.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)  # never share a parent's pooled connection
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = make_server("127.0.0.1", port, app, threaded=True, fd=listener.fileno())
        server.serve_forever()
    finally:
        os._exit(3)


def _warm_up(app, cfg) -> None:
    """Compile the templates once here, so every forked child starts warm like a long-running
    worker (a cold child spends its first ~100 ms compiling Jinja); then close every DB connection."""
    from grants.extensions import db

    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf_of(login), "email": cfg["email"], "password": cfg["password"]})
    pid = cfg["drafts"][0]
    for url in (f"/applicant/proposals/{pid}/edit", f"/applicant/proposals/{pid}/attachments", "/applicant/"):
        client.get(url, headers=EN).close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def main(path: str) -> None:
    cfg = json.loads(open(path, encoding="utf-8").read())
    from grants import create_app

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": cfg["database_url"], "SECRET_KEY": cfg["secret_key"],
        "UPLOAD_FOLDER": cfg["upload_folder"], "PDF_FOLDER": cfg["pdf_folder"],
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    _warm_up(app, cfg)
    rng = random.Random(cfg["seed"])
    pdf = _pdf(cfg.get("pdf_pages", 40))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    out = {"iterations": 0, "kills": 0, "interrupted": 0, "requests": 0, "uploads_ok": 0, "used": [],
           "acknowledged": {}, "unexpected": [], "drained": 0, "pdf_bytes": len(pdf)}
    started = time.perf_counter()

    # sign in once (sessions are rows in the database: the cookie outlives every child)
    child = serve_child(app, listener, port)
    with requests.Session() as http:
        for _ in range(50):
            try:
                login = http.get(base + "/login", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        r = http.post(base + "/login", data={"csrf_token": csrf_of(login.text), "email": cfg["email"],
                                             "password": cfg["password"]}, allow_redirects=False, timeout=10)
        assert r.status_code == 302, r.status_code
        cookies = http.cookies.copy()
    kill(child)

    drafts = list(cfg["drafts"])
    rng.shuffle(drafts)
    for _ in range(cfg["iterations"]):
        if not drafts:
            break
        out["iterations"] += 1
        child = serve_child(app, listener, port)
        stop = threading.Event()
        client = Client(base, cookies, drafts, cfg["category_id"], pdf, random.Random(rng.random()), stop, out)
        client.start()
        # every LONG_EVERY-th child lives up to long_ms, so whole submissions land however fast the
        # machine is (a PostgreSQL child opens its connections after the fork); the others die 5–300 ms
        # in, mostly mid-request
        longer = out["iterations"] % LONG_EVERY == 0
        high = cfg.get("long_ms", 1500) if longer else cfg.get("max_ms", 300)
        time.sleep(rng.uniform(cfg.get("min_ms", 5), high) / 1000)
        kill(child)
        out["kills"] += 1
        stop.set()
        deadline = time.monotonic() + 15
        while client.is_alive() and time.monotonic() < deadline:
            out["drained"] += drain(listener)  # refuse what no child will ever answer
            client.join(0.005)
        assert not client.is_alive(), "client thread stuck"
        out["drained"] += drain(listener)

    # restart: a child that is left alone must serve a whole submission normally
    child = serve_child(app, listener, port)
    restart = {"acknowledged": {}, "used": [], "requests": 0, "uploads_ok": 0, "interrupted": 0, "unexpected": []}
    stop = threading.Event()
    remaining = drafts[:1]
    client = Client(base, cookies, remaining, cfg["category_id"], pdf, random.Random(1), stop, restart)
    client.start()
    client.join(30)
    os.kill(child, signal.SIGTERM)
    os.waitpid(child, 0)
    listener.close()
    out["restart"] = restart
    out["elapsed"] = round(time.perf_counter() - started, 2)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
