"""Blind review: a crawl of everything a reviewer can reach in a blind round never shows the
organization's name, USCC, contact name/phone/email, address or team member names (HTML and
PDF text via pypdf); peers' scores and comments stay hidden until the round allows them."""

from __future__ import annotations

import re
from collections import deque
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from sqlalchemy import update

from grants.extensions import db
from grants.models import Review, ReviewStatus, Round, utcnow
from tests.security.world import PEER_COMMENT, SECRETS, build, login, pdf_text, report

HREF = re.compile(r'(?:href|src|action)="([^"#]+)')
LIMIT = 150


def crawl(client, seeds: list[str]) -> tuple[dict[str, str], int, int]:
    """GET every same-site page and PDF reachable from ``seeds`` (bounded); url -> text."""
    seen, texts = set(), {}
    queue = deque(seeds)
    pages = pdfs = 0
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc or url in seen or parts.path.startswith("/static/") or parts.path == "/logout":
            continue
        if parts.path.startswith("/reviewer/evaluations"):  # evaluations are deliberately not blind (issue 17):
            continue  # evaluators see the organization; tests/evaluation checks who may see them
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, f"{url} -> {response.status_code}"
        if response.mimetype == "application/pdf":
            pdfs += 1
            texts[url] = pdf_text(response.get_data())
        elif response.mimetype == "text/html":
            pages += 1
            html = response.get_data(as_text=True)
            texts[url] = html
            for link in HREF.findall(html):
                link = link.replace("&amp;", "&")
                queue.append(urljoin(url, link))
        elif response.status_code in (301, 302, 303):
            queue.append(urljoin(url, response.headers["Location"]))
    return texts, pages, pdfs


def test_blind_round_hides_the_applicant_everywhere(app, make):
    world = build(make, app)
    client = login(app, "rev")
    p = world.ids["proposal_id"]
    seeds = ["/reviewer/", f"/reviewer/proposals/{p}", f"/reviewer/proposals/{p}/review",
             f"/reviewer/proposals/{p}/score-sheet.pdf", f"/reviewer/proposals/{p}/declaration?change=1",
             f"/reviewer/rounds/{world.round_id}/roadshow", f"/attachments/{world.ids['attachment_id']}"]
    texts, pages, pdfs = crawl(client, seeds)
    hidden = SECRETS | {"peer_name": "同行專家"}
    leaks = [(url, label) for url, text in texts.items() for label, secret in hidden.items() if secret in text]
    assert f"/reviewer/proposals/{p}" in texts and any(url.endswith(".pdf") for url in texts)
    # the identity documents are not served to reviewers of a blind round
    assert client.get(f"/attachments/{world.ids['identity_attachment_id']}").status_code == 404
    peer_seen = [url for url, text in texts.items() if PEER_COMMENT in text]
    report("blind review crawl", f"{pages} pages and {pdfs} PDFs checked for {len(hidden)} identity strings, "
                                 f"{len(leaks)} leaks")
    assert not leaks, leaks
    assert not peer_seen, f"peer comments shown before allowed: {peer_seen}"


def test_not_blind_round_shows_the_applicant(app, make):
    """Control: the same crawl finds the organization when the round is not blind (the check can fail)."""
    world = build(make, app, blind=False)
    client = login(app, "rev")
    html = client.get(f"/reviewer/proposals/{world.ids['proposal_id']}").get_data(as_text=True)
    assert SECRETS["org_name"] in html


def test_peer_scores_only_after_own_submission_and_when_the_round_allows(app, make):
    world = build(make, app, reveal_peer_scores=True)
    client = login(app, "rev")
    url = f"/reviewer/proposals/{world.ids['proposal_id']}"
    states = []
    states.append(PEER_COMMENT in client.get(url).get_data(as_text=True))  # own review is a draft
    with app.app_context():
        db.session.execute(update(Review).where(Review.id == world.ids["review_id"])
                           .values(status=ReviewStatus.submitted, submitted_at=utcnow(), total=70))
        db.session.commit()
    states.append(PEER_COMMENT in client.get(url).get_data(as_text=True))  # submitted, round reveals
    with app.app_context():
        rnd = db.session.get(Round, world.round_id)
        rnd.reveal_peer_scores = False
        rnd.review_closes_at = utcnow() + timedelta(days=1)
        db.session.commit()
    states.append(PEER_COMMENT in client.get(url).get_data(as_text=True))  # round does not reveal
    report("peer scores", f"shown (draft, submitted+reveal, submitted+no reveal) = {states}")
    assert states == [False, True, False]
