"""20 NGOs submitting at the same moment through a real threaded server (both DBs): every
submission accepted, numbered once, no 500. On PostgreSQL this used to deadlock (numbering took
FOR UPDATE on the round row while other writers held foreign-key key-share locks on it and
waited for the audit log's lock); found by benchmarks/load_deadline_rush.py."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from grants.extensions import db
from grants.models import Proposal, ProposalStatus, Role
from tests.reliability._crash_driver import form_data
from tests.reliability._server import browsers, csrf_of, live, report, version_of
from tests.reliability.test_crash_safety import _seed

N = 20


def test_simultaneous_submissions(app, make, backend):
    category_id, ids, _ = _seed_n(app, make)
    users = [make.user(Role.applicant, email=f"ngo{pid}@example.org") for pid in ids]
    emails = [u.email for u in users]
    with app.app_context():  # one NGO account per draft (each its own organization's proposal)
        for pid, user in zip(ids, users, strict=True):
            db.session.get(Proposal, pid).organization_id = user.organization_id
        db.session.commit()
    with live(app) as base, browsers(base, N) as tabs:
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda pair: pair[0].login(pair[1]), zip(tabs, emails, strict=True)))
        pages = [tab.get(f"/applicant/proposals/{pid}/edit").text for tab, pid in zip(tabs, ids, strict=True)]
        barrier = threading.Barrier(N)

        def submit(i: int) -> int:
            data = form_data(category_id, f"T{ids[i]}", random.Random(i))
            data.update({"version": version_of(pages[i]), "action": "submit"})
            barrier.wait()
            return tabs[i].post(f"/applicant/proposals/{ids[i]}/edit", data, csrf=csrf_of(pages[i])).status_code

        with ThreadPoolExecutor(N) as pool:
            statuses = Counter(pool.map(submit, range(N)))
    with app.app_context():
        rows = db.session.scalars(select(Proposal).where(Proposal.id.in_(ids))).all()
        numbers = [p.number for p in rows if p.status == ProposalStatus.submitted and p.number]
    report(f"simultaneous-submissions[{backend}]: submits={N} 302s={statuses[302]} 500s={statuses[500]} "
           f"numbered={len(set(numbers))}")
    assert statuses == Counter({302: N}), statuses
    assert len(numbers) == len(set(numbers)) == N


def _seed_n(app, make):
    import tests.reliability.test_crash_safety as crash

    saved, crash.DRAFTS = crash.DRAFTS, N
    try:
        return _seed(app, make)
    finally:
        crash.DRAFTS = saved
