"""Benchmark: the admin ranking page against a bare Flask + SQLAlchemy + Jinja floor.

Seeds a fresh SQLite database (built by the real migration) with 3,000 proposals x 5
submitted written reviews (15,000 reviews, 60 reviewers, 4 categories), then times in the
same run, median of 5 GETs through Flask test clients (after one warm-up each, interleaved):

* the real page: GET /admin/rounds/<id>/ranking signed in as an admin (auth, session,
  every scoring input read fresh, mean / median / trimmed / standardised / range / sd
  columns, ranks overall and in category, tie-break texts). scoring.score_round over the
  15,000 reviews runs on the first view and whenever any input changes
  (grants.ranking.operations caches its result under a SHA-256 of every input it reads);
  that first view is printed separately;
* the floor: a minimal Flask app in this script: ONE query joining proposal, organization,
  category and review rows, grouped in Python, rendered with a plain Jinja table (number,
  project, organization, category, the five review totals).

Prints both times and the ratio; PASS when ratio <= 1.5.

Run:  .venv/bin/python benchmarks/bench_ranking_page.py [--proposals 3000]
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
    from flask import Flask, render_template_string
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
        for pid, number, name, org, cat, total in fdb.session.execute(sql, {"rid": round_id}):
            row = rows.get(pid)
            if row is None:
                row = rows[pid] = {"number": number, "name": name, "org": org, "cat": cat, "totals": []}
            row["totals"].append(total)
        return render_template_string(FLOOR_TEMPLATE, rows=list(rows.values()))

    return app


def time_both(real_client, real_url: str, floor_client, floor_url: str, runs: int):
    """Median of ``runs`` GETs each, interleaved (real, floor, real, ...) so both see the same machine load."""
    sizes = []
    for client, url in ((real_client, real_url), (floor_client, floor_url)):
        response = client.get(url)  # warm-up
        assert response.status_code == 200, (url, response.status_code)
        sizes.append(len(response.data))
    times: tuple[list, list] = ([], [])
    for _ in range(runs):
        for i, (client, url) in enumerate(((real_client, real_url), (floor_client, floor_url))):
            t0 = time.perf_counter()
            response = client.get(url)
            times[i].append(time.perf_counter() - t0)
            assert response.status_code == 200
    return statistics.median(times[0]), sizes[0], statistics.median(times[1]), sizes[1]


def cold_get(client, url: str) -> float:
    t0 = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=3000)
    parser.add_argument("--reviews", type=int, default=5)
    parser.add_argument("--reviewers", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("GRANTS_INSTANCE_PATH", tmp)
        url = "sqlite:///" + os.path.join(tmp, "bench.sqlite")
        from flask_migrate import upgrade

        from grants import create_app
        from grants.extensions import db

        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "RATELIMIT_STORAGE_URI": "memory://",
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
        t0 = time.perf_counter()
        round_id = seed(app, args.proposals, args.reviews, args.reviewers)
        print(f"seeded {args.proposals} proposals x {args.reviews} reviews in {time.perf_counter() - t0:.1f} s")

        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        response = client.post("/login", data={"email": "admin@bench.example", "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, "login failed"

        floor = floor_app(url, round_id)
        floor_client = floor.test_client()
        url_real = f"/admin/rounds/{round_id}/ranking"
        cold = cold_get(client, url_real)  # first view: scoring 15,000 reviews included
        real_t, real_size, floor_t, floor_size = time_both(client, url_real, floor_client, "/", args.runs)
        ratio = real_t / floor_t
        print(f"ranking page : {real_t * 1000:7.1f} ms median of {args.runs} ({real_size / 1024:.0f} KiB)")
        print(f"bare floor   : {floor_t * 1000:7.1f} ms median of {args.runs} ({floor_size / 1024:.0f} KiB)")
        print(f"first view   : {cold * 1000:7.1f} ms (scores computed; later views reuse them until a review changes)")
        print(f"ratio        : {ratio:.2f}x (target <= {TARGET_RATIO}x)  {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")
        with app.app_context():
            db.engine.dispose()
        with floor.app_context():
            floor.extensions["sqlalchemy"].engine.dispose()
        return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
