
"""公示: publishing in the background, the frozen PDF/xlsx, the work calendar, the results page, finalising."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    AuditEntry,
    Award,
    Objection,
    ObjectionStatus,
    ProposalStatus,
    Publication,
    PublicationStatus,
    Round,
    Setting,
)
from grants.platform import audit, pdf
from grants.publication import operations as ops
from tests.conftest import translate
from tests.publication.test_publication_support import (
    SPECS,
    add_awards,
    add_reviews,
    admin_login,
    direct_publication,
    latest_publication_id,
    proposal_status,
    publication,
    wait_done,
)

EN = {"Accept-Language": "en"}


def test_publish_renders_in_background_and_serves_the_frozen_copy(app, client, auth, make):
    rnd = make.round(notice_working_days=5)
    add_awards(make, app, rnd)
    admin_login(make, auth)
    response = auth.post(f"/admin/rounds/{rnd.id}/publication/publish", headers=EN)
    assert response.status_code == 302
    pub_id = latest_publication_id(app, rnd.id)
    admin_page = client.get(f"/admin/rounds/{rnd.id}/publication", headers=EN)  # rendering or done: both fine
    assert admin_page.status_code == 200 and "Published list" in admin_page.get_data(as_text=True)
    status = wait_done(client, rnd.id)
    assert status["status"] == "notice" and status["progress"] == 100 and not status["error"]

    pub = publication(app, pub_id)
    assert pub.status == PublicationStatus.notice
    assert [r["project"] for r in pub.rows] == [SPECS[0][0], SPECS[2][0], SPECS[1][0]]  # by category, then rank
    assert pub.rows[0] | {} == {"proposal_id": pub.rows[0]["proposal_id"], "rank": "1", "project": SPECS[0][0],
                                "organization": pub.rows[0]["organization"], "category": "婦女發展",
                                "score": "92.35", "amount": "150000.00"}
    assert len(pub.data_code) == 64 and len(pub.pdf_sha256) == 64
    with app.app_context():
        publish_entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "publish")).one()
        assert pub.audit_head == publish_entry.hash
        assert audit.verify_chain(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))[0]
    stored = (app.config["PDF_FOLDER"] + "/" + pub.pdf_path)
    with open(stored, "rb") as fh:
        stored_bytes = fh.read()
    assert pdf.sha256_hex(stored_bytes) == pub.pdf_sha256

    auth.logout()
    url = f"/results/{rnd.id}/{pub_id}/notice.pdf"
    first, second = client.get(url), client.get(url)
    for served in (first, second):
        assert served.status_code == 200
        assert served.mimetype == "application/pdf"
        assert served.data == stored_bytes
        assert pdf.sha256_hex(served.data) == pub.pdf_sha256
        assert served.headers["ETag"] == f'"{pub.pdf_sha256}"'
        assert "public" in served.headers["Cache-Control"] and "max-age=" in served.headers["Cache-Control"]
        assert served.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(url, headers={"If-None-Match": f'"{pub.pdf_sha256}"'}).status_code == 304
    assert client.get(url + "?inline=1").headers["Content-Disposition"].startswith("inline;")
    assert client.get(f"/results/{rnd.id + 999}/{pub_id}/notice.pdf").status_code == 404

    # the spreadsheet: same rows, category subtotals and the grand total
    sheet = client.get(f"/results/{rnd.id}/{pub_id}/list.xlsx")
    assert sheet.status_code == 200
    ws = load_workbook(io.BytesIO(sheet.data)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    # the words of the round's official language (zh_Hant by default)
    assert [translate(m) for m in ("Rank", "Project name", "Applicant organization", "Category", "Score",
                                   "Approved amount")] in values
    projects = [v[1] for v in values]
    assert all(spec[0] in projects for spec in SPECS)
    subtotal = next(v for v in values if v[1] and str(v[1]).startswith("婦女發展小計"))
    assert Decimal(str(subtotal[5])) == Decimal("230000")
    total = next(v for v in values if v[1] and str(v[1]).startswith("合計"))
    assert total[1] == "合計（3 項）" and Decimal(str(total[5])) == Decimal("350000.50")

    # the public page
    page = client.get(f"/results/{rnd.id}", headers=EN).get_data(as_text=True)
    for name, *_ in SPECS:
        assert name in page
    assert f"{pub.notice_start.isoformat()} – {pub.notice_end.isoformat()}" in page
    assert f"/results/{rnd.id}/{pub_id}/notice.pdf" in page
    assert "File an objection" in page


def test_publish_is_refused_twice_and_without_awards(app, client, auth, make):
    empty = make.round()
    admin_login(make, auth)
    response = auth.post(f"/admin/rounds/{empty.id}/publication/publish", headers=EN, follow_redirects=True)
    assert "There are no awards to publish." in response.get_data(as_text=True)
    rnd = make.round()
    add_awards(make, app, rnd)
    direct_publication(app, rnd.id)
    response = auth.post(f"/admin/rounds/{rnd.id}/publication/publish", headers=EN, follow_redirects=True)
    assert "already has a published list" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Publication).count() == 1


def test_notice_end_skips_weekend_and_holiday_and_follows_the_edited_calendar(app, client, auth, make):
    rnd = make.round(notice_working_days=5)
    add_awards(make, app, rnd)
    # Published Thursday 2026-04-02: Fri 3 (1); Sat 4, Sun 5 weekend = 清明 holiday, Mon 6 holiday;
    # Tue 7 (2), Wed 8 (3), Thu 9 (4), Fri 10 (5).
    with app.test_request_context():
        rnd_row = db.session.get(Round, rnd.id)
        pub, _spec = ops.publish(rnd_row, today=date(2026, 4, 2))
        assert (pub.notice_start, pub.notice_end) == (date(2026, 4, 3), date(2026, 4, 10))
        db.session.rollback()

    admin_login(make, auth)
    page = client.get("/admin/work-calendar").get_data(as_text=True)
    assert "2026-10-10 workday" in page  # the built-in official calendar is the starting point
    text = ops.workdays.format_calendar_text(ops.workdays.default_calendar()) + "2026-04-07 holiday\n"
    response = auth.post("/admin/work-calendar", {"text": text})
    assert response.status_code == 302
    # With Tue 7 a holiday too: Wed 8 (2), Thu 9 (3), Fri 10 (4), Mon 13 (5).
    with app.test_request_context():
        pub, _spec = ops.publish(db.session.get(Round, rnd.id), today=date(2026, 4, 2))
        assert (pub.notice_start, pub.notice_end) == (date(2026, 4, 3), date(2026, 4, 13))
        db.session.rollback()


def test_calendar_with_a_bad_line_names_the_line_and_keeps_the_text(app, client, auth, make):
    admin_login(make, auth)
    text = "2026-10-01 holiday\n# comment\n2026-13-01 holiday\n"
    response = auth.post("/admin/work-calendar", {"text": text}, headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Line 3: 2026-13-01 is not a valid date." in body
    assert "2026-13-01 holiday" in body  # nothing the admin typed is lost
    response = auth.post("/admin/work-calendar", {"text": "2026-10-05 workday\n"}, headers=EN)
    assert "Line 1: 2026-10-05 is a weekday; a makeup working day must be a Saturday or Sunday." in \
        response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Setting, ops.CALENDAR_KEY) is None


def test_results_page_before_publication_and_panel_names_setting(app, client, auth, make):
    rnd = make.round(publish_panel_names=False)
    assert "not been published" in client.get(f"/results/{rnd.id}", headers=EN).get_data(as_text=True)
    ids = add_awards(make, app, rnd)
    add_reviews(make, app, ids[0], ["林評審專家", "王評審專家"],
                [{"need": "18"}, {"need": "16"}], [{}, {}], rnd.id)
    direct_publication(app, rnd.id)
    page = client.get(f"/results/{rnd.id}", headers=EN).get_data(as_text=True)
    assert SPECS[0][0] in page and "Review panel" not in page and "林評審專家" not in page
    with app.app_context():
        db.session.get(Round, rnd.id).publish_panel_names = True
        db.session.commit()
    page = client.get(f"/results/{rnd.id}", headers=EN).get_data(as_text=True)
    assert "Review panel" in page and "林評審專家" in page and "王評審專家" in page


def test_finalise_refused_before_the_end_and_with_an_open_objection(app, client, auth, make):
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    end = date.today() + timedelta(days=3)
    pub_id = direct_publication(app, rnd.id, end=end)
    admin_login(make, auth)
    response = auth.post(f"/admin/rounds/{rnd.id}/publication/finalise", headers=EN, follow_redirects=True)
    assert f"The notice period has not ended yet: it runs until {end.isoformat()}." in response.get_data(as_text=True)
    with app.app_context():
        pub = db.session.get(Publication, pub_id)
        pub.notice_end = date.today() - timedelta(days=1)
        db.session.add(Objection(publication_id=pub_id, proposal_id=ids[0], name="市民", contact="13800000000",
                                 reasons="評分不公，請覆核。", status=ObjectionStatus.investigating))
        db.session.commit()
    response = auth.post(f"/admin/rounds/{rnd.id}/publication/finalise", headers=EN, follow_redirects=True)
    assert "Objections still open or under investigation: 1. Decide them first." in response.get_data(as_text=True)
    assert publication(app, pub_id).status == PublicationStatus.notice
    assert proposal_status(app, ids[0]) == ProposalStatus.shortlisted


def test_finalise_renders_the_final_list_sets_statuses_and_notifies(app, client, auth, make):
    rnd = make.round()
    ids = add_awards(make, app, rnd)
    loser = make.proposal(rnd.id, name="未獲資助的項目", status=ProposalStatus.eligible)
    draft = make.proposal(rnd.id, name="草稿", status=ProposalStatus.draft)
    pub_id = direct_publication(app, rnd.id, start=date.today() - timedelta(days=9),
                                end=date.today() - timedelta(days=1), published_days_ago=10)
    with app.app_context():  # an upheld objection withdrew the third award
        award = db.session.scalars(select(Award).where(Award.proposal_id == ids[2])).one()
        award.withdrawn, award.withdrawn_reason = True, "材料造假"
        db.session.add(Objection(publication_id=pub_id, proposal_id=ids[2], name="市民", contact="x@example.org",
                                 reasons="申報材料與事實不符。", status=ObjectionStatus.upheld))
        db.session.commit()
    admin_login(make, auth)
    app.extensions["grants_outbox"] = []
    response = auth.post(f"/admin/rounds/{rnd.id}/publication/finalise", headers=EN)
    assert response.status_code == 302
    wait_done(client, rnd.id)
    pub = publication(app, pub_id)
    assert pub.status == PublicationStatus.final and pub.finalised_at is not None and not pub.error
    assert proposal_status(app, ids[0]) == ProposalStatus.awarded
    assert proposal_status(app, ids[1]) == ProposalStatus.awarded
    assert proposal_status(app, ids[2]) == ProposalStatus.not_awarded
    assert proposal_status(app, loser.id) == ProposalStatus.not_awarded
    assert proposal_status(app, draft.id) == ProposalStatus.draft
    subjects = [m["subject"] for m in app.extensions["grants_outbox"]]
    approved = translate("Your project has been approved: %(name)s", name="").strip()
    result = translate("Result of %(round)s", round="").strip()
    assert sum(s.startswith(approved) for s in subjects) == 2 and sum(result in s for s in subjects) == 2

    served = client.get(f"/results/{rnd.id}/{pub_id}/final.pdf")
    assert served.status_code == 200 and pdf.sha256_hex(served.data) == pub.final_pdf_sha256
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(served.data)).pages).replace(" ", "")
    assert "立項名單" in text and SPECS[0][0] in text and SPECS[1][0] in text and SPECS[2][0] not in text
    page = client.get(f"/results/{rnd.id}", headers=EN).get_data(as_text=True)
    assert "award list" in page and SPECS[2][0] not in page
    # the final list is business state in its own columns, written when the list was made final
    assert [r["proposal_id"] for r in pub.final_rows] == [ids[0], ids[1]]
    assert [r["proposal_id"] for r in pub.rows] == [ids[0], ids[2], ids[1]]  # the notice list stays as published
    with app.test_request_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "finalise_publication")).one()
        assert pub.final_audit_head == entry.hash and entry.details["final_code"] == pub.final_code
        assert entry.details["removed"] == [ids[2]]
        # a retry renders the same list from the columns alone: same footer code
        stored = db.session.get(Publication, pub_id)
        assert ops.list_context(ops.final_spec(stored), ops.verify_base_url())["verification_code"] == pub.final_code
    # the final list verifies by its file hash and by the code in its footer
    by_file = client.get(f"/verify?sha256={pub.final_pdf_sha256}", headers=EN).get_data(as_text=True)
    assert "Genuine" in by_file and "Award list (final)" in by_file and "NOT genuine" not in by_file
    with app.app_context():
        code = ops.final_code(db.session.get(Publication, pub_id))
    assert code and code in text
    by_code = client.get(f"/verify?code={code}", headers=EN).get_data(as_text=True)
    assert "Genuine" in by_code and "Award list (final)" in by_code and "NOT genuine" not in by_code
    # twice is refused
    response = auth.post(f"/admin/rounds/{rnd.id}/publication/finalise", headers=EN, follow_redirects=True)
    assert "already final" in response.get_data(as_text=True)
    # a lost final render is prepared again from the columns: same list, same footer code
    response = auth.post(f"/admin/rounds/{rnd.id}/publication/render", headers=EN, follow_redirects=True)
    assert "The PDF is ready or still being prepared." in response.get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(Publication, pub_id)
        stored.final_pdf_path, stored.final_pdf_sha256, stored.error = None, None, "OSError: disk full"
        db.session.commit()
    assert auth.post(f"/admin/rounds/{rnd.id}/publication/render").status_code == 302
    wait_done(client, rnd.id)
    again = publication(app, pub_id)
    assert again.final_pdf_sha256 and not again.error and again.final_code == pub.final_code
    served = client.get(f"/results/{rnd.id}/{pub_id}/final.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(served.data)).pages).replace(" ", "")
    assert pub.final_code in text and SPECS[2][0] not in text


def test_admin_publication_page_shows_preview_and_end_date(app, client, auth, make):
    rnd = make.round()
    add_awards(make, app, rnd)
    admin_login(make, auth)
    page = client.get(f"/admin/rounds/{rnd.id}/publication", headers=EN).get_data(as_text=True)
    assert "Publish and open the notice period" in page and "the notice period would run from" in page
    assert SPECS[1][0] in page
    assert client.get(f"/admin/rounds/{rnd.id}/publication/status.json").get_json()["status"] == "none"
