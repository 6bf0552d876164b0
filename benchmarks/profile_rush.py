"""What the deadline rush's requests cost the server, in process: CPU ms and SQL queries per request.

Run:  .venv/bin/python benchmarks/profile_rush.py [--n 40] [--profile intake|review|login|all] [--users 500]

Seeds a throwaway PostgreSQL database exactly as ``load_deadline_rush.py --large`` does (its phases:
create, ``flask db upgrade``, seed), then replays the rush's hot paths through a Flask test client in
this one process (no gunicorn, no network, no concurrency): GET /login, POST /login, GET edit,
POST save draft, POST submit, GET submitted, GET review, POST review draft, POST review submit.
For each it prints the CPU milliseconds per request (``time.process_time``: this process only, so
PostgreSQL's own CPU is not in it, and a loaded machine does not inflate it much) and the SQL
statements per request (min-max over the sample: they must not grow with the data). ``--profile X``
prints a cProfile of that group (CPU time, cumulative, top 40; the profiler inflates
the CPU figures of the profiled group). The database is dropped afterwards.

No target: this is the "what the server needs per request" half of the load test's figures (the
other half, queueing, is the load test's latency). Only 127.0.0.1 is touched.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess  # nosec B404  (this checkout's own load script, fixed arguments)
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LOAD = ROOT / "benchmarks" / "load_deadline_rush.py"
PASSWORD = "Deadline-Rush-Load-2026"  # noqa: S105  (the load script's throwaway accounts)


def _phase(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, str(LOAD), "--phase", *args], cwd=ROOT, env=env, check=True)  # noqa: S603  # nosec B603


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="NGOs and reviews replayed per path (default 40)")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--reviewers", type=int, default=100)
    parser.add_argument("--profile", choices=("intake", "review", "login", "all"), default=None)
    parser.add_argument("--sql", metavar="LABEL", default=None,
                        help='print the SQL statements of the first request of LABEL (e.g. "POST submit")')
    args = parser.parse_args()

    from sqlalchemy.engine import make_url

    server = os.environ.get("GRANTS_LOAD_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"grants_prof_{os.getpid()}"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="grants-prof-"))
    uploads = work / "uploads"
    uploads.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("GRANTS_ENV", "FLASK_DEBUG")}
    env.update({"DATABASE_URL": url, "UPLOAD_FOLDER": str(uploads), "GRANTS_INSTANCE_PATH": str(work)})
    _phase("create", name, env=env)
    try:
        subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "run", "db", "upgrade"],  # noqa: S603  # nosec B603
                       cwd=ROOT, env=env, check=True, capture_output=True)
        plan_path = work / "plan.json"
        _phase("seed", name, str(uploads), str(plan_path), str(args.users), str(args.reviewers), "3600", "300",
               env=env)
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        run(url, str(uploads), str(work), plan, args)
    finally:
        _phase("drop", name, env=env)
    return 0


def run(url: str, uploads: str, instance: str, plan: dict, args) -> None:
    import random

    from sqlalchemy import event

    sys.argv = [sys.argv[0], "--phase"]  # import the load script without gevent's monkey patching
    import importlib.util

    spec = importlib.util.spec_from_file_location("load_rush", LOAD)
    load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(load)

    os.environ["GRANTS_INSTANCE_PATH"] = instance
    from grants import create_app
    from grants.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": uploads, "RATELIMIT_ENABLED": False})
    queries = [0]
    statements: list[str] = []

    def count(conn, cursor, statement, *rest):
        queries[0] += 1
        statements.append(" ".join(statement.split())[:160] + " ... " + " ".join(statement.split())[-60:])

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    cpu: dict[str, list[float]] = {}
    nq: dict[str, list[int]] = {}
    # CPU time, not wall time (waiting on PostgreSQL is not this process's work); off unless --profile
    profilers = {g: cProfile.Profile(time.process_time) for g in ("login", "intake", "review")}
    profiling = {"login", "intake", "review"} if args.profile == "all" else {args.profile}
    rng = random.Random(1)

    def call(group: str, label: str, fn, *a, expect: int, **kw):
        queries[0] = 0
        statements.clear()
        prof = profilers[group]
        t = time.process_time()
        if group in profiling:
            prof.enable()
        r = fn(*a, **kw)
        if group in profiling:
            prof.disable()
        cpu.setdefault(label, []).append((time.process_time() - t) * 1000)
        nq.setdefault(label, []).append(queries[0])
        if args.sql == label and len(nq[label]) == 1:
            print(f"--- SQL of the first {label}:", *statements, sep="\n  ")
        if r.status_code != expect:
            raise SystemExit(f"{label}: {r.status_code} (expected {expect})\n{r.get_data(as_text=True)[:2000]}")
        return r

    def sign_in(client, email):
        r = call("login", "GET /login", client.get, "/login", expect=200)
        call("login", "POST /login", client.post, "/login", data={
            "csrf_token": load._csrf(r.get_data(as_text=True)), "email": email, "password": PASSWORD}, expect=302)

    headers = {"Accept-Language": "en"}
    for account in plan["ngos"][: args.n]:
        client = app.test_client()
        client.environ_base.update({"HTTP_ACCEPT_LANGUAGE": "en"})
        sign_in(client, account["email"])
        pid = account["proposal"]
        for k in range(2):
            r = call("intake", "GET edit", client.get, f"/applicant/proposals/{pid}/edit", expect=200, headers=headers)
            html = r.get_data(as_text=True)
            data = load._form(account["category"], f"save-{pid}-{k}", rng)
            data.update({"csrf_token": load._csrf(html), "version": load._version(html), "action": "save"})
            call("intake", "POST save draft", client.post, f"/applicant/proposals/{pid}/edit", data=data, expect=302)
        r = call("intake", "GET edit", client.get, f"/applicant/proposals/{pid}/edit", expect=200)
        html = r.get_data(as_text=True)
        data = load._form(account["category"], f"final-{pid}", rng)
        data.update({"csrf_token": load._csrf(html), "version": load._version(html), "action": "submit"})
        call("intake", "POST submit", client.post, f"/applicant/proposals/{pid}/edit", data=data, expect=302)
        call("intake", "GET submitted", client.get, f"/applicant/proposals/{pid}/submitted", expect=200)

    done = 0
    for account in plan["reviewers"]:
        if done >= args.n:
            break
        client = app.test_client()
        client.environ_base.update({"HTTP_ACCEPT_LANGUAGE": "en"})
        sign_in(client, account["email"])
        for pid in account["proposals"][:3]:
            for action in ("draft", "submit"):
                r = call("review", "GET review", client.get, f"/reviewer/proposals/{pid}/review", expect=200)
                html = r.get_data(as_text=True)
                data = {"csrf_token": load._csrf(html), "version": load._version(html), "action": action,
                        "bonus_matching_funds": "2", "score_need": "15", "score_design": "18", "score_innovation": "10",
                        "score_budget": "10", "score_capacity": "10", "score_sustainability": "7"}
                data.update({f"veto_{k}": "no" for k in ("charges_beneficiaries", "political_religious",
                                                         "falsified_materials", "duplicate_funding")})
                call("review", f"POST review {action}", client.post, f"/reviewer/proposals/{pid}/review", data=data,
                     expect=302)
            done += 1

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; in-process, PostgreSQL, "
          f"{args.users} NGOs / {args.reviewers} reviewers seeded; CPU of this process only (not PostgreSQL's)")
    print(f"  {'request':<20} {'n':>4} {'CPU ms p50':>11} {'mean':>7} {'queries':>9}")
    for label, values in cpu.items():
        s = sorted(values)
        counts = nq[label]
        print(f"  {label:<20} {len(s):>4} {s[len(s) // 2]:>11.1f} {sum(s) / len(s):>7.1f} "
              f"{min(counts):>4}-{max(counts):<4}")
    if args.profile:
        groups = ("login", "intake", "review") if args.profile == "all" else (args.profile,)
        for g in groups:
            print(f"\n=== cProfile: {g} (cumulative, top 40)")
            pstats.Stats(profilers[g]).sort_stats("cumulative").print_stats(40)
            print(f"=== cProfile: {g} (own time, top 25)")
            pstats.Stats(profilers[g]).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    sys.exit(main())
