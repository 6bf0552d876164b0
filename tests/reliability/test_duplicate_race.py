"""Ten simultaneous FIRST submissions of the same review (no row yet) through a real server:
exactly one Review row (unique (proposal, reviewer, stage)), no 500, and exactly one accepted
save: the others opened an empty form, so they get the 409 rather than overwriting a review
they never saw (on PostgreSQL the insert race used to be turned into a silent update)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, Review
from tests.reliability._server import browsers, csrf_of, live, report, version_of
from tests.review.test_review_support import GOOD_SCORES, setup, sheet

N = 10


def test_simultaneous_first_submissions_make_one_review(app, make, backend):
    rnd, reviewer, (p,) = setup(make, app)
    url = f"/reviewer/proposals/{p.id}/review"
    with live(app) as base, browsers(base, N) as tabs:
        with ThreadPoolExecutor(N) as pool:
            list(pool.map(lambda b: b.login(reviewer.email), tabs))
        pages = [tab.get(url).text for tab in tabs]  # every tab opened the empty form (version 0)
        assert {version_of(html) for html in pages} == {"0"}
        barrier = threading.Barrier(N)

        def submit(i: int) -> int:
            barrier.wait()
            scores = dict(GOOD_SCORES, need=str(13 + i % 4))  # middle band: no comment needed
            return tabs[i].post(url, sheet(scores, version=0), csrf=csrf_of(pages[i])).status_code

        with ThreadPoolExecutor(N) as pool:
            statuses = Counter(pool.map(submit, range(N)))

    with app.app_context():
        rows = db.session.scalar(select(func.count(Review.id)).where(Review.proposal_id == p.id))
        review = db.session.scalar(select(Review).where(Review.proposal_id == p.id))
        audited = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "submit_review"))
        version = review.version
    report(f"duplicate-race[{backend}]: first_submits={N} rows={rows} 302s={statuses[302]} "
           f"409s={statuses[409]} 500s={statuses[500]} review_version={version}")
    assert rows == 1
    assert statuses[500] == 0 and set(statuses) <= {302, 409}, statuses
    # every tab saw "no review yet": one wins, the others get the 409 with both versions shown
    # (none silently overwrites the winner, which it never saw)
    assert statuses[302] == 1 and statuses[409] == N - 1
    assert audited == 1 and version == 1
