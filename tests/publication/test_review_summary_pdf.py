"""The NGO's review summary PDF: means per criterion, comments, no reviewer names, only for the owner."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from grants.models import Role
from tests.publication.test_publication_support import add_awards, add_reviews, direct_publication


def test_review_summary_only_for_the_owner_after_publication(app, client, auth, make):
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    add_reviews(make, app, ids[0], ["林秀梅教授", "王建國主任", "趙志明會計師"],
                [{"need": "18", "design": "20"}, {"need": "15", "design": "21"}, {"need": "16", "design": "22"}],
                [{"need": "需求調研扎實，數據翔實。"}, {"design": "活動設計可再細化。"}, {}], rnd.id)
    with app.app_context():
        from grants.extensions import db
        from grants.models import Proposal

        org_id = db.session.get(Proposal, ids[0]).organization_id
    owner = make.user(Role.applicant, email="owner@example.org", organization_id=org_id)
    make.user(Role.applicant, email="other@example.org")
    url = f"/applicant/proposals/{ids[0]}/review-summary.pdf"

    auth.login(owner.email)
    assert client.get(url).status_code == 404  # nothing published yet
    direct_publication(app, rnd.id)
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))
    assert "Needandnecessity" in text and "16.33" in text and "21.00" in text  # means per criterion
    assert "需求調研扎實，數據翔實。" in text and "活動設計可再細化。" in text
    assert "Reviewer1" in text and "Reviewer2" in text
    for name in ("林秀梅", "王建國", "趙志明"):
        assert name not in text
    assert client.get(f"/applicant/proposals/{ids[1]}/review-summary.pdf").status_code == 404  # another NGO's
    assert client.get("/applicant/proposals/999999/review-summary.pdf").status_code == 404
    # the results page links the NGO to its own summary
    assert url in client.get(f"/results/{rnd.id}").get_data(as_text=True)

    auth.logout()
    auth.login("other@example.org")
    assert client.get(url).status_code == 404
    auth.logout()
    assert client.get(url).status_code == 302  # anonymous: to the login page
    make.user(Role.admin, email="admin@example.org")
    auth.login("admin@example.org")
    assert client.get(url).status_code == 403  # the applicant blueprint is for NGOs only
