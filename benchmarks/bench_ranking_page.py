"""Benchmark: the admin ranking page and the round dashboard against a bare Flask + SQLAlchemy + Jinja floor.

For each size (3,000 and 20,000 proposals x 5 submitted written reviews, 60 reviewers,
4 categories), seeds a fresh SQLite database built by the real migrations, then, in one run
and interleaved so both see the same machine load:

* the WRITE: one submitted review revised through the ORM and committed -- the stored score
  aggregates (grants.ranking.aggregates) are brought up to date in that transaction (the first
  change of a round builds all of its rows: printed separately);
* COLD views: after each revision, a FRESH app (a worker that never saw the round; templates
  warmed on another, empty round) serves GET /admin/rounds/<id>/ranking once (and another fresh
  app the round dashboard), against the floor's first view in a fresh floor app;
* REPEAT views: the same pages again in those apps, against the floor's repeat view;
* the floor: a minimal Flask app in this script showing the SAME rows and the SAME 18 columns
  (ranks, number, project, organization, category, n, mean, median, trimmed, standardised, range,
  sd, the reviewers' totals, written, roadshow, score, tie-break): the figures come out of the
  database already computed and formatted (SQLite printf over the stored aggregates), the totals
  from the review rows; no statistics, no ranking; a plain Jinja loop with autoescape.  The
  previous benchmark's narrow floor (6 of the 18 columns) is timed too and printed for reference.

Each GET is timed in wall seconds AND in CPU seconds of this process (``time.process_time``): the
box is shared (2 cores, several engineers), so wall times swing with other people's work while CPU
seconds much less.  The verdicts use the CPU ratio (medians of the same runs, side by side); the
wall ratio is printed beside it, with the load average.  The page's in-process cache
(``grants.ranking.page``) is emptied before every cold view.

Targets (issue 18): cold <= 1.5x the floor at 3,000 x 5 and <= 2x at 20,000 x 5; repeat <= 1.2x.
Prints every figure, PASS/FAIL per target, and exits 1 on any FAIL.

Run:  .venv/bin/python benchmarks/bench_ranking_page.py [--proposals 3000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_RATIO = 1.5
PASSWORD = "Bench-Ranking-Page-2026"  # noqa: S105  (throwaway database)
CATEGORIES = ["婦女發展", "兒童關愛", "家庭建設", "婦兒維權"]
CRITERIA = [("need", 20), ("design", 20), ("feasibility", 20), ("team", 15), ("budget", 15), ("impact", 10)]


def seed(app, n_proposals: int, per: int, n_reviewers: int) -> int:
    from sqlalchemy import insert

    from grants.extensions import db
    from grants.models import (
        Category,
        Organization,
        Proposal,
        ProposalStatus,
        Review,
        ReviewStatus,
        Role,
        Round,
        RubricVersion,
        Stage,
        User,
        utcnow,
    )
    from grants.platform import passwords
    from grants.rules import rubric as rubric_mod
    from grants.rules.uscc import make as make_uscc

    rng = random.Random(20260601)
    now = utcnow()
    with app.app_context():
        rnd = Round(edition=8, name="第八屆紅紫荊婦女兒童公益項目創投活動", issuer="惠州市婦女聯合會",
                    funding_pool=Decimal("2700000"), project_cap=Decimal("200000"), call_opens_at=now,
                    call_closes_at=now, categories=[Category(name=n, position=i) for i, n in enumerate(CATEGORIES)])
        db.session.add(rnd)
        pw = passwords.hash_password(PASSWORD)
        db.session.add(User(email="admin@bench.example", name="admin", role=Role.admin, password_hash=pw,
                            password_changed_at=now))
        db.session.flush()
        rv = RubricVersion(round_id=rnd.id, stage=Stage.written, version=1,
                           definition=rubric_mod.rubric_to_dict(rubric_mod.default_written_rubric()))
        db.session.add(rv)
        cats = [c.id for c in rnd.categories]
        db.session.execute(insert(User), [
            {"email": f"judge{i}@bench.example", "name": f"評審專家{i:03d}", "role": Role.reviewer,
             "password_hash": pw, "active": True, "created_at": now} for i in range(n_reviewers)])
        n_orgs = max(1, n_proposals // 10)
        db.session.execute(insert(Organization), [
            {"name": f"惠州市第{i}社會工作服務中心", "uscc": make_uscc(f"52441302MJ{i:06d}X"),
             "org_type": "social_service", "registered_on": now.date(), "rating": "3A", "address": "惠州市",
             "district": "huicheng", "contact_name": "聯絡人", "contact_phone": "13800000000",
             "contact_email": f"org{i}@bench.example", "created_at": now} for i in range(n_orgs)])
        db.session.flush()
        from sqlalchemy import select

        org_ids = list(db.session.scalars(select(Organization.id).order_by(Organization.id)))
        rev_ids = list(db.session.scalars(select(User.id).where(User.role == Role.reviewer)))
        db.session.execute(insert(Proposal), [
            {"round_id": rnd.id, "organization_id": org_ids[i % len(org_ids)], "category_id": cats[i % len(cats)],
             "number": f"HZ-2026-08-{i:04d}", "blind_code": f"P-{i:04d}", "status": ProposalStatus.eligible,
             "name": f"守護花蕾·{CATEGORIES[i % 4]}項目第{i}號", "districts": [], "target_groups": [],
             "need": "", "objectives": "", "risks": "", "requested": Decimal(rng.randrange(50, 200) * 1000),
             "submitted_at": now, "created_at": now, "updated_at": now, "version": 1}
            for i in range(n_proposals)])
        pids = list(db.session.scalars(select(Proposal.id).where(Proposal.round_id == rnd.id)))
        rows = []
        for pid in pids:
            quality = rng.gauss(0.72, 0.09)
            for rid in rng.sample(rev_ids, per):
                scores = {}
                for key, mx in CRITERIA:
                    frac = min(1.0, max(0.0, quality + rng.gauss(0, 0.06)))
                    scores[key] = str(Decimal(round(frac * mx)))
                total = sum((Decimal(v) for v in scores.values()), Decimal(0))
                rows.append({"proposal_id": pid, "reviewer_id": rid, "stage": Stage.written,
                             "rubric_version_id": rv.id, "status": ReviewStatus.submitted, "scores": scores,
                             "comments": {}, "veto_answers": {}, "bonus": {}, "total": total,
                             "vetoed": rng.random() < 0.002, "submitted_at": now, "created_at": now,
                             "updated_at": now, "version": 1})
        db.session.execute(insert(Review), rows)
        db.session.commit()
        return rnd.id


FLOOR_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>floor</title></head><body>
<table><thead><tr><th>Rank</th><th>In category</th><th>Number</th><th>Project</th><th>Organization</th><th>Category</th>
<th>n</th><th>Mean</th><th>Median</th><th>Trimmed</th><th>Standardised</th><th>Range</th><th>SD</th><th>Totals</th>
<th>Written</th><th>Roadshow</th><th>Score</th><th>Tie-break</th></tr></thead>
<tbody>{% for r in rows %}<tr><td>{{ loop.index }}</td><td>{{ r.cat_rank }}</td><td>{{ r.number }}</td><td>{{ r.name }}</td><td>{{ r.org }}</td><td>{{ r.cat }}</td>
<td>{{ r.n }}</td><td>{{ r.mean }}</td><td>{{ r.median }}</td><td>{{ r.trimmed }}</td><td>{{ r.std }}</td><td>{{ r.range }}</td><td>{{ r.sd }}</td>
<td>{% for t in r.totals %}<span>{{ t }}</span>{% endfor %}</td><td>{{ r.trimmed }}</td><td></td><td><strong>{{ r.trimmed }}</strong></td><td>{{ r.why }}</td></tr>{% endfor %}</tbody></table></body></html>"""


def floor_app(url: str, round_id: int):
    """The bare floor of the SAME rows and columns: the figures come out of the database already computed
    (the stored aggregates, formatted to 2 decimals by SQLite's printf) and the reviewers' totals from the
    review rows; no statistics, no blending, no ranking (rows in stored trimmed-mean order) -- the least
    any page showing these 18 columns for these proposals must do: 2 queries, a dict, a plain Jinja loop."""
    from flask import Flask, render_template_string, request
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    app = Flask("floor")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    fdb = SQLAlchemy(app)
    rows_sql = text(
        "SELECT p.id, p.number, p.name, o.name, c.name, a.n, printf('%.2f', a.mean), printf('%.2f', a.median), "
        "printf('%.2f', a.trimmed_mean), printf('%.2f', a.zsum), printf('%.2f', a.score_range), printf('%.2f', a.sd) "
        "FROM proposal p JOIN organization o ON o.id = p.organization_id LEFT JOIN category c ON c.id = p.category_id "
        "JOIN score_aggregate a ON a.proposal_id = p.id AND a.stage = 'written' WHERE p.round_id = :rid "
        "ORDER BY CAST(a.trimmed_mean AS REAL) DESC, p.id")
    totals_sql = text(
        "SELECT r.proposal_id, r.total FROM review r JOIN proposal p ON p.id = r.proposal_id "
        "WHERE p.round_id = :rid AND r.status = 'submitted' ORDER BY r.proposal_id, r.reviewer_id")

    @app.route("/")
    def page():
        rid = int(request.args.get("round", round_id))  # another round warms the template without this one
        totals: dict = {}
        for pid, total in fdb.session.execute(totals_sql, {"rid": rid}):
            totals.setdefault(pid, []).append(total)
        rows = [{"number": number, "name": name, "org": org, "cat": cat, "cat_rank": "", "n": n, "mean": mean,
                 "median": median, "trimmed": trimmed, "std": std, "range": rng, "sd": sd, "why": "",
                 "totals": totals.get(pid, ())}
                for pid, number, name, org, cat, n, mean, median, trimmed, std, rng, sd
                in fdb.session.execute(rows_sql, {"rid": rid})]
        return render_template_string(FLOOR_TEMPLATE, rows=rows)

    return app


NARROW_TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>floor</title></head><body>
<table><thead><tr><th>#</th><th>Number</th><th>Project</th><th>Organization</th><th>Category</th><th>Totals</th></tr></thead>
<tbody>{% for r in rows %}<tr><td>{{ loop.index }}</td><td>{{ r.number }}</td><td>{{ r.name }}</td><td>{{ r.org }}</td><td>{{ r.cat }}</td>
<td>{% for t in r.totals %}<span>{{ t }}</span> {% endfor %}</td></tr>{% endfor %}</tbody></table></body></html>"""


def narrow_floor_app(url: str, round_id: int):
    """The previous benchmark's floor, printed for reference only (no verdict): 6 of the 18 columns
    (number, project, organization, category, the review totals), one query over the review rows."""
    from flask import Flask, render_template_string, request
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    app = Flask("narrow")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    fdb = SQLAlchemy(app)
    sql = text(
        "SELECT p.id, p.number, p.name, o.name, c.name, r.total FROM proposal p "
        "JOIN organization o ON o.id = p.organization_id LEFT JOIN category c ON c.id = p.category_id "
        "JOIN review r ON r.proposal_id = p.id WHERE p.round_id = :rid AND r.status = 'submitted' "
        "ORDER BY p.id, r.reviewer_id"
    )

    @app.route("/")
    def page():
        rows: dict = {}
        rid = int(request.args.get("round", round_id))
        for pid, number, name, org, cat, total in fdb.session.execute(sql, {"rid": rid}):
            row = rows.get(pid)
            if row is None:
                row = rows[pid] = {"number": number, "name": name, "org": org, "cat": cat, "totals": []}
            row["totals"].append(total)
        return render_template_string(NARROW_TEMPLATE, rows=list(rows.values()))

    return app


def login(app):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": "admin@bench.example", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "login failed"
    return client


def timed_get(client, url: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one GET."""
    c0, t0 = time.process_time(), time.perf_counter()
    response = client.get(url)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, cpu


def revise(app, round_id: int, i: int) -> float:
    """Revise one submitted review (ORM + commit: the aggregates follow in the same transaction)."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import Proposal, Review

    with app.app_context():
        review = db.session.scalars(select(Review).join(Proposal, Proposal.id == Review.proposal_id)
                                    .where(Proposal.round_id == round_id).order_by(Review.id)
                                    .offset((i * 7919) % 1000).limit(1)).one()
        t0 = time.perf_counter()
        review.total = Decimal(50 + (i * 13) % 50)
        db.session.commit()
        return time.perf_counter() - t0


def make_app(url: str):
    from grants import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "RATELIMIT_STORAGE_URI": "memory://",
                       "RATELIMIT_ENABLED": False})


def dispose(app) -> None:
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def run_size(n_proposals: int, args, tmp: str) -> tuple[bool, list[str]]:
    from flask_migrate import upgrade

    from grants.extensions import db
    from grants.models import Round

    url = "sqlite:///" + os.path.join(tmp, f"bench{n_proposals}.sqlite")
    app = make_app(url)
    with app.app_context():
        upgrade()
    t0 = time.perf_counter()
    round_id = seed(app, n_proposals, args.reviews, args.reviewers)
    with app.app_context():
        warm = Round(edition=99, name="warm-up", issuer="-", funding_pool=Decimal(1), project_cap=Decimal(1),
                     call_opens_at=db.func.now(), call_closes_at=db.func.now())
        db.session.add(warm)
        db.session.commit()
        warm_id = warm.id
    print(f"\n== {n_proposals} proposals x {args.reviews} reviews: seeded in {time.perf_counter() - t0:.1f} s")
    build = revise(app, round_id, 0)
    print(f"first change of the round (builds its stored aggregates): {build * 1000:.0f} ms")

    from grants.ranking import page as ranking_page

    page, dash = f"/admin/rounds/{round_id}/ranking", f"/admin/rounds/{round_id}/dashboard"
    keys = ("cold", "rep", "dcold", "drep", "fcold", "frep", "ncold", "nrep")
    t: dict[str, list[float]] = {k: [] for k in keys}
    cpu: dict[str, list[float]] = {k: [] for k in keys}
    writes: list[float] = []
    queries: dict[str, int] = {}
    sizes = {}

    def record(key: str, measured: tuple[float, float]) -> None:
        t[key].append(measured[0])
        cpu[key].append(measured[1])

    for i in range(1, args.runs + 1):
        writes.append(revise(app, round_id, i))
        ranking_page.clear_cache()  # a worker that never saw the round: nothing cached in this process
        real = make_app(url)
        client = login(real)
        client.get(f"/admin/rounds/{warm_id}/ranking")  # templates compiled, this round never seen
        with count_queries(real) as seen:
            record("cold", timed_get(client, page))
        queries["cold"] = len(seen)
        floor = floor_app(url, round_id)
        fclient = floor.test_client()
        fclient.get("/?round=0")
        record("fcold", timed_get(fclient, "/"))
        with count_queries(real) as seen:
            record("rep", timed_get(client, page))
        queries["repeat"] = len(seen)
        record("frep", timed_get(fclient, "/"))
        narrow = narrow_floor_app(url, round_id)
        nclient = narrow.test_client()
        nclient.get("/?round=0")
        record("ncold", timed_get(nclient, "/"))
        record("nrep", timed_get(nclient, "/"))
        other = make_app(url)
        oclient = login(other)
        oclient.get(f"/admin/rounds/{warm_id}/dashboard")
        record("dcold", timed_get(oclient, dash))
        record("drep", timed_get(oclient, dash))
        sizes = {"page": len(client.get(page).data), "floor": len(fclient.get("/").data),
                 "narrow": len(nclient.get("/").data)}
        for a in (real, floor, other, narrow):
            dispose(a)
    dispose(app)
    med = {k: statistics.median(v) for k, v in t.items()}
    mcpu = {k: statistics.median(v) for k, v in cpu.items()}
    cold_target = 1.5 if n_proposals <= 3000 else 2.0
    checks = [
        ("ranking cold", "cold", "fcold", cold_target),
        ("ranking repeat", "rep", "frep", 1.2),
        ("dashboard cold", "dcold", "fcold", cold_target),
        ("dashboard repeat", "drep", "frep", 1.2),
    ]
    print(f"load average: {' '.join(open('/proc/loadavg').read().split()[:3])}  "
          f"({len(os.sched_getaffinity(0))} CPUs; medians of {args.runs} runs, each ratio from the same runs)")
    print(f"review revision + aggregate refresh (write): {statistics.median(writes) * 1000:7.1f} ms wall")
    print(f"queries: ranking cold {queries['cold']}, repeat {queries['repeat']} (independent of the round's size)")
    for label, c, r, size in (("ranking page", "cold", "rep", sizes["page"]), ("dashboard", "dcold", "drep", None),
                              ("bare floor", "fcold", "frep", sizes["floor"]),
                              ("narrow floor", "ncold", "nrep", sizes["narrow"])):
        print(f"{label:<13} cold {med[c] * 1000:7.1f} ms wall {mcpu[c] * 1000:7.1f} ms CPU   "
              f"repeat {med[r] * 1000:7.1f} ms wall {mcpu[r] * 1000:7.1f} ms CPU"
              + ("" if size is None else f"   ({size / 1024:.0f} KiB)"))
    ok, lines = True, []
    for name, ours, base, target in checks:
        ratio_cpu = mcpu[ours] / mcpu[base]
        ratio_wall = med[ours] / med[base]
        passed = ratio_cpu <= target
        ok &= passed
        line = (f"{n_proposals:>6} x {args.reviews}  {name:<17} {ratio_cpu:5.2f}x CPU ({ratio_wall:5.2f}x wall) "
                f"(target <= {target}x)  {'PASS' if passed else 'FAIL'}")
        print(line)
        lines.append(line)
    print(f"(reference, no verdict) ranking vs the narrow 6-column floor: cold {mcpu['cold'] / mcpu['ncold']:.2f}x CPU, "
          f"repeat {mcpu['rep'] / mcpu['nrep']:.2f}x CPU")
    return ok, lines


def count_queries(app):
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine
        seen: list[str] = []

        def before(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, action="append", help="default: 3000 and 20000")
    parser.add_argument("--reviews", type=int, default=5)
    parser.add_argument("--reviewers", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    ok, lines = True, []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("GRANTS_INSTANCE_PATH", tmp)
        for n in args.proposals or [3000, 20000]:
            size_ok, size_lines = run_size(n, args, tmp)
            ok &= size_ok
            lines += size_lines
    print("\n" + "\n".join(lines))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
