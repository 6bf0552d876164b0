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
* the floor: a minimal Flask app in this script: ONE query joining proposal, organization,
  category and review rows, grouped in Python, rendered with a plain Jinja table (number,
  project, organization, category, the five review totals).

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
             "contact_email": f"org{i}@bench.example", "barred": False, "created_at": now} for i in range(n_orgs)])
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
<table><thead><tr><th>#</th><th>Number</th><th>Project</th><th>Organization</th><th>Category</th><th>Totals</th></tr></thead>
<tbody>{% for r in rows %}<tr><td>{{ loop.index }}</td><td>{{ r.number }}</td><td>{{ r.name }}</td><td>{{ r.org }}</td><td>{{ r.cat }}</td>
<td>{% for t in r.totals %}<span>{{ t }}</span> {% endfor %}</td></tr>{% endfor %}</tbody></table></body></html>"""


def floor_app(url: str, round_id: int):
    from flask import Flask, render_template_string, request
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import text

    app = Flask("floor")
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
        rid = int(request.args.get("round", round_id))  # another round warms the template without this one
        for pid, number, name, org, cat, total in fdb.session.execute(sql, {"rid": rid}):
            row = rows.get(pid)
            if row is None:
                row = rows[pid] = {"number": number, "name": name, "org": org, "cat": cat, "totals": []}
            row["totals"].append(total)
        return render_template_string(FLOOR_TEMPLATE, rows=list(rows.values()))

    return app


def login(app):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": "admin@bench.example", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "login failed"
    return client


def timed_get(client, url: str) -> float:
    t0 = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


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

    page, dash = f"/admin/rounds/{round_id}/ranking", f"/admin/rounds/{round_id}/dashboard"
    t: dict[str, list[float]] = {k: [] for k in ("write", "cold", "rep", "dcold", "drep", "fcold", "frep")}
    sizes = {}
    for i in range(1, args.runs + 1):
        t["write"].append(revise(app, round_id, i))
        real = make_app(url)
        client = login(real)
        client.get(f"/admin/rounds/{warm_id}/ranking")  # templates compiled, this round never seen
        t["cold"].append(timed_get(client, page))
        floor = floor_app(url, round_id)
        fclient = floor.test_client()
        fclient.get("/?round=0")
        t["fcold"].append(timed_get(fclient, "/"))
        t["rep"].append(timed_get(client, page))
        t["frep"].append(timed_get(fclient, "/"))
        other = make_app(url)
        oclient = login(other)
        oclient.get(f"/admin/rounds/{warm_id}/dashboard")
        t["dcold"].append(timed_get(oclient, dash))
        t["drep"].append(timed_get(oclient, dash))
        sizes = {"page": len(client.get(page).data), "floor": len(fclient.get("/").data)}
        for a in (real, floor, other):
            dispose(a)
    dispose(app)
    med = {k: statistics.median(v) for k, v in t.items()}
    cold_target = 1.5 if n_proposals <= 3000 else 2.0
    checks = [
        ("ranking cold", med["cold"] / med["fcold"], cold_target),
        ("ranking repeat", med["rep"] / med["frep"], 1.2),
        ("dashboard cold", med["dcold"] / med["fcold"], cold_target),
        ("dashboard repeat", med["drep"] / med["frep"], 1.2),
    ]
    print(f"load average: {open('/proc/loadavg').read().split()[:3]}")
    print(f"review revision + aggregate refresh (write): {med['write'] * 1000:7.1f} ms median of {args.runs}")
    print(f"ranking page  cold {med['cold'] * 1000:7.1f} ms   repeat {med['rep'] * 1000:7.1f} ms "
          f"({sizes['page'] / 1024:.0f} KiB)")
    print(f"dashboard     cold {med['dcold'] * 1000:7.1f} ms   repeat {med['drep'] * 1000:7.1f} ms")
    print(f"bare floor    cold {med['fcold'] * 1000:7.1f} ms   repeat {med['frep'] * 1000:7.1f} ms "
          f"({sizes['floor'] / 1024:.0f} KiB)")
    ok, lines = True, []
    for name, ratio, target in checks:
        passed = ratio <= target
        ok &= passed
        line = f"{n_proposals:>6} x {args.reviews}  {name:<17} {ratio:5.2f}x (target <= {target}x)  {'PASS' if passed else 'FAIL'}"
        print(line)
        lines.append(line)
    return ok, lines


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
