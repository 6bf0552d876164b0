"""The whole app path of the automatic assignment: ORM rows -> problem -> solve -> write.

Run: .venv/bin/python benchmarks/bench_assignment_app.py [--pg] [--k 5] [--seed N]

Seeds a fresh SQLite database (and with ``--pg`` a throwaway PostgreSQL database on
postgresql+psycopg://postgres@127.0.0.1:5432/test) built by the real migrations with 5,000
eligible proposals from 1,500 organisations, 300 reviewers (10% belong to an applicant
organisation, 10% declare a tie with one) and 2% declared conflicts (30,000 declarations),
using bulk inserts. Then runs grants.assignment.operations: build_problem, plan (solve),
write + e-mails + commit, timing each phase; verifies the result with grants.rules.assignment.check
and the database rows; prints PASS/FAIL against the 6 s target for the whole app path.

``--province``: 20,000 proposals, 1,000 reviewers, 6,000 organisations, 2% declared conflicts
(400,000 declarations), 6 categories; target 20 s for the whole app path (issue 18).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_ADMIN_URL = os.environ.get("GRANTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_SECONDS = 6.0
CATEGORIES = ["婦女發展", "兒童關愛", "家庭建設", "婦兒維權"]
N_PROPOSALS, N_REVIEWERS, N_ORGS, CONFLICT_RATE = 5000, 300, 1500, 0.02


def seed(db, k: int, rng: random.Random) -> int:
    from grants.models import (
        Category,
        ConflictDeclaration,
        District,
        Organization,
        OrgType,
        Proposal,
        ProposalStatus,
        Rating,
        ReviewerAffiliation,
        Role,
        Round,
        User,
    )
    from grants.rules import uscc

    now = datetime.now(UTC)
    rnd = Round(edition=8, name="第八屆紅紫荊婦女兒童公益項目創投活動", issuer="惠州市婦女聯合會",
                funding_pool=Decimal("2700000"), project_cap=Decimal("200000"), call_opens_at=now - timedelta(days=60),
                call_closes_at=now - timedelta(days=30), reviewers_per_proposal=k, blind_review=True,
                categories=[Category(name=n, position=i) for i, n in enumerate(CATEGORIES)])
    db.session.add(rnd)
    db.session.flush()
    cat_ids = [c.id for c in rnd.categories]
    db.session.execute(insert(Organization), [
        {"name": f"社會組織{i}", "uscc": uscc.make(f"52441302MJ{i:06d}X"), "org_type": OrgType.social_service,
         "registered_on": date(2018, 1, 1), "rating": Rating.a3, "address": "惠州市", "district": District.huicheng,
         "contact_name": "聯絡人", "contact_phone": "13800000000", "contact_email": f"org{i}@example.org",
         "created_at": now} for i in range(N_ORGS)])
    org_ids = db.session.scalars(select(Organization.id).order_by(Organization.id)).all()
    db.session.execute(insert(User), [
        {"email": f"r{j}@expert.example", "name": f"專家{j:03d}", "role": Role.reviewer, "password_hash": None,
         "organization_id": rng.choice(org_ids) if j % 10 == 0 else None,
         "expertise": ", ".join(rng.sample(CATEGORIES, rng.choice([1, 1, 2]))) + ", 社會工作",
         "active": True, "created_at": now} for j in range(N_REVIEWERS)])
    rev_ids = db.session.scalars(select(User.id).where(User.role == Role.reviewer).order_by(User.id)).all()
    db.session.execute(insert(ReviewerAffiliation), [
        {"reviewer_id": rid, "organization_id": rng.choice(org_ids), "relation": "理事"} for rid in rev_ids[5::10]])
    db.session.execute(insert(Proposal), [
        {"round_id": rnd.id, "organization_id": org_ids[i % N_ORGS], "category_id": rng.choice(cat_ids),
         "number": f"HZ-2026-08-{i:05d}", "blind_code": f"P-{i:05d}", "status": ProposalStatus.eligible,
         "name": f"公益項目{i}", "districts": ["huicheng"], "target_groups": ["children"],
         "need": "", "objectives": "", "risks": "", "submitted_at": now, "created_at": now, "updated_at": now,
         "version": 1} for i in range(N_PROPOSALS)])
    prop_ids = db.session.scalars(select(Proposal.id).where(Proposal.round_id == rnd.id)).all()
    n_conf = int(CONFLICT_RATE * N_PROPOSALS * N_REVIEWERS)
    chosen = rng.sample(range(N_PROPOSALS * N_REVIEWERS), n_conf)
    rows = [{"reviewer_id": rev_ids[c % N_REVIEWERS], "proposal_id": prop_ids[c // N_REVIEWERS],
             "has_conflict": True, "relation": "other", "note": "", "declared_at": now} for c in chosen]
    for start in range(0, len(rows), 10000):
        db.session.execute(insert(ConflictDeclaration), rows[start:start + 10000])
    db.session.commit()
    return rnd.id


PROFILE = False  # --profile: CPU profile of the timed path (top functions printed)


def run(url: str, label: str, k: int, seed_value: int) -> bool:
    from flask_migrate import upgrade

    from grants import create_app
    from grants.assignment import operations as ops
    from grants.extensions import db
    from grants.models import Assignment, Round
    from grants.rules.assignment import check

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app.logger.setLevel(logging.WARNING)  # 300 e-mails would otherwise be printed
    with app.app_context():
        upgrade()
        t = time.perf_counter()
        round_id = seed(db, k, random.Random(seed_value))
        print(f"[{label}] seeded {N_PROPOSALS} proposals, {N_REVIEWERS} reviewers, "
              f"{int(CONFLICT_RATE * N_PROPOSALS * N_REVIEWERS)} declared conflicts in {time.perf_counter() - t:.2f} s")
        db.session.remove()

    with app.app_context():
        rnd = db.session.get(Round, round_id)
        clock = []  # (wall, CPU of this process) after each step

        def tick():
            clock.append((time.perf_counter(), time.process_time()))

        profiler = None
        if PROFILE:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        tick()
        built = ops.build_problem(rnd)
        tick()
        plan = ops.plan(built)
        tick()
        ops.write(plan)
        tick()
        ops.notify_reviewers(rnd, plan)
        tick()
        db.session.commit()
        tick()
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        t0, t1, t2, t3 = clock[0][0], clock[1][0], clock[2][0], clock[5][0]
        cpu = [b[1] - a[1] for a, b in zip(clock, clock[1:], strict=False)]
        wall = [b[0] - a[0] for a, b in zip(clock, clock[1:], strict=False)]
        total = t3 - t0
        stored = db.session.scalar(select(func.count(Assignment.id)).where(Assignment.round_id == round_id))
        errors = check(plan.result, built.problem)
        s = ops.summary(plan)
    ok_rows = stored == k * N_PROPOSALS
    print(f"[{label}] k={k}, max load {built.max_load} (ceil({k * N_PROPOSALS}/{N_REVIEWERS}) + {ops.DEFAULT_SLACK})")
    print(f"[{label}] build_problem {t1 - t0:6.2f} s   ({cpu[0]:.2f} s CPU)")
    print(f"[{label}] solve         {t2 - t1:6.2f} s   ({cpu[1]:.2f} s CPU; solver's own: {plan.result.stats.get('seconds', 0):.2f} s, "
          f"{int(plan.result.stats.get('arcs', 0)):,} arcs, solved on {int(plan.result.stats.get('flow_arcs', 0)):,}; "
          f"prepare {plan.result.stats.get('build_seconds', 0):.2f} s, flow + proof {plan.result.stats.get('flow_seconds', 0):.2f} s)")
    print(f"[{label}] apply         {t3 - t2:6.2f} s   ({sum(cpu[2:]):.2f} s CPU: {len(plan.insert)} rows inserted "
          f"{wall[2]:.2f} s ({cpu[2]:.2f} CPU), {len({r for _p, r in plan.insert})} e-mails queued {wall[3]:.2f} s "
          f"({cpu[3]:.2f} CPU), commit {wall[4]:.2f} s ({cpu[4]:.2f} CPU))")
    print(f"[{label}] total         {total:6.2f} s   ({sum(cpu):.2f} s CPU of this process; the database server's "
          f"own CPU is not in it), load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"[{label}] objective {plan.result.objective}, "
          f"expertise match {s['expertise_share']:.1%}, loads {min(plan.result.loads.values())}–"
          f"{max(plan.result.loads.values())}")
    print(f"[{label}] check(): {'ok' if not errors else errors[:5]}; rows in DB: {stored} "
          f"({'ok' if ok_rows else 'WRONG'})")
    passed = plan.result.ok and not errors and ok_rows and total <= TARGET_SECONDS
    print(f"[{label}] {'PASS' if passed else 'FAIL'}: whole app path {total:.2f} s (target ≤ {TARGET_SECONDS:.0f} s)")
    with app.app_context():
        db.engine.dispose()
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", action="store_true", help="also run on a throwaway PostgreSQL database")
    parser.add_argument("--k", type=int, default=5, help="reviewers per proposal (default 5, as the pure benchmark)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--province", action="store_true", help="20,000 proposals x 1,000 reviewers, target 20 s")
    parser.add_argument("--profile", action="store_true", help="print a CPU profile of the timed path")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL (with --pg)")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    if args.province:
        global N_PROPOSALS, N_REVIEWERS, N_ORGS, TARGET_SECONDS, CATEGORIES
        N_PROPOSALS, N_REVIEWERS, N_ORGS, TARGET_SECONDS = 20_000, 1_000, 6_000, 20.0
        CATEGORIES = [*CATEGORIES, "社區治理", "心理健康"]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("GRANTS_INSTANCE_PATH", tmp)
        if not (args.pg and args.no_sqlite):
            results.append(run("sqlite:///" + os.path.join(tmp, "bench.sqlite"), "sqlite", args.k, args.seed))
    if args.pg:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = f"grants_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
            results.append(run(url, "postgresql", args.k, args.seed))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
