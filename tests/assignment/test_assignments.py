"""Reviewer assignment: manual, bulk, CSV, automatic with preview/confirm, CLI, query counts."""

from __future__ import annotations

import io
import re

import pytest
from flask import session
from flask_babel import refresh
from sqlalchemy import func, select

from grants.assignment import operations as ops
from grants.extensions import db
from grants.models import (
    Assignment,
    AuditEntry,
    Category,
    ConflictDeclaration,
    Proposal,
    ProposalStatus,
    Review,
    ReviewerAffiliation,
    ReviewStatus,
    Role,
    RubricVersion,
    Stage,
    User,
    utcnow,
)
from grants.platform import refusals
from grants.rules.refusal import Problem, Refusal
from tests.conftest import counting_queries

EN = {"Accept-Language": "en"}


def render(app, problem, locale):
    """A refusal problem as the reader of ``locale`` sees it."""
    with app.test_request_context("/"):
        session["lang"] = locale
        refresh()
        return refusals.message(problem)


# ---------------------------------------------------------------------------------------------
# builders
# ---------------------------------------------------------------------------------------------
def category_id(app, rnd, name):
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.round_id == rnd.id, Category.name == name))


def eligible(make, rnd, n=1, category="兒童關愛", **kw):
    cid = category_id(make.app, rnd, category)
    return [make.proposal(rnd.id, status=ProposalStatus.eligible, category_id=cid, **kw) for _ in range(n)]


def reviewers(make, n, expertise="兒童關愛", **kw):
    return [make.user(Role.reviewer, email=f"r{i}-{make_id()}@expert.example", name=f"專家{i}",
                      expertise=expertise, **kw) for i in range(n)]


_ids = iter(range(10**6))


def make_id():
    return next(_ids)


def add(app, *rows):
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


def submit_review(app, proposal_id, reviewer_id, round_id):
    with app.app_context():
        rv = db.session.scalar(select(RubricVersion).where(RubricVersion.round_id == round_id))
        if rv is None:
            rv = RubricVersion(round_id=round_id, stage=Stage.written, version=1, definition={})
            db.session.add(rv)
            db.session.flush()
        db.session.add(Review(proposal_id=proposal_id, reviewer_id=reviewer_id, stage=Stage.written,
                              rubric_version_id=rv.id, status=ReviewStatus.submitted, submitted_at=utcnow()))
        db.session.commit()


def pairs(app, round_id):
    with app.app_context():
        return {(a.proposal_id, a.reviewer_id): a.source for a in db.session.scalars(
            select(Assignment).where(Assignment.round_id == round_id))}


@pytest.fixture
def admin(make, auth):
    make.user(Role.admin, email="boss@fulian.example")
    auth.login("boss@fulian.example")


def url(rnd, tail=""):
    return f"/admin/rounds/{rnd.id}/assignments{tail}"


# ---------------------------------------------------------------------------------------------
# manual
# ---------------------------------------------------------------------------------------------
def test_manual_assign_and_unassign(app, client, auth, make, admin):
    rnd = make.round(reviewers_per_proposal=2)
    (p,) = eligible(make, rnd)
    (r,) = reviewers(make, 1)
    page = client.get(url(rnd, f"/proposals/{p.id}"), headers=EN)
    assert page.status_code == 200 and r.email in page.get_data(as_text=True)
    resp = auth.post(url(rnd, f"/proposals/{p.id}/add"), {"reviewer": r.id}, headers=EN)
    assert resp.status_code == 302
    assert pairs(app, rnd.id) == {(p.id, r.id): "manual"}
    html = client.get(url(rnd), headers=EN).get_data(as_text=True)
    assert r.name in html and "not started" in html
    again = auth.post(url(rnd, f"/proposals/{p.id}/add"), {"reviewer": r.id}, headers=EN)
    assert again.status_code == 409 and "already assigned" in again.get_data(as_text=True)
    with app.app_context():
        aid = db.session.scalar(select(Assignment.id))
    resp = auth.post(url(rnd, f"/{aid}/remove"), headers=EN)
    assert resp.status_code == 302 and pairs(app, rnd.id) == {}
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "assign_reviewer" in actions and "unassign_reviewer" in actions


@pytest.mark.parametrize("kind", ["same_organization", "affiliation", "declared"])
def test_conflict_refused(app, client, auth, make, admin, kind):
    rnd = make.round()
    org = make.organization()
    (p,) = eligible(make, rnd, organization_id=org.id)
    if kind == "same_organization":
        (r,) = reviewers(make, 1, organization_id=org.id)
        expected = "works for the organization"
    else:
        (r,) = reviewers(make, 1)
        if kind == "affiliation":
            add(app, ReviewerAffiliation(reviewer_id=r.id, organization_id=org.id, relation="理事"))
            expected = "declared tie"
        else:
            add(app, ConflictDeclaration(reviewer_id=r.id, proposal_id=p.id, has_conflict=True, relation="family"))
            expected = "declared a conflict of interest"
    page = client.get(url(rnd, f"/proposals/{p.id}"), headers=EN).get_data(as_text=True)
    assert "⚠" in page  # the reviewer is marked in the list and not offered
    assert f'<option value="{r.id}"' not in page
    resp = auth.post(url(rnd, f"/proposals/{p.id}/add"), {"reviewer": r.id}, headers=EN)
    assert resp.status_code == 409
    assert expected in resp.get_data(as_text=True)
    assert pairs(app, rnd.id) == {}


def test_unassign_refused_after_submitted_review(app, client, auth, make, admin):
    rnd = make.round()
    (p,) = eligible(make, rnd)
    (r,) = reviewers(make, 1)
    auth.post(url(rnd, f"/proposals/{p.id}/add"), {"reviewer": r.id})
    submit_review(app, p.id, r.id, rnd.id)
    with app.app_context():
        aid = db.session.scalar(select(Assignment.id))
    resp = auth.post(url(rnd, f"/{aid}/remove"), headers=EN, follow_redirects=True)
    assert "already submitted the review" in resp.get_data(as_text=True)
    assert pairs(app, rnd.id) == {(p.id, r.id): "manual"}
    assert "submitted" in client.get(url(rnd), headers=EN).get_data(as_text=True)


def test_bulk_category_reports_skips(app, client, auth, make, admin):
    rnd = make.round()
    org = make.organization()
    ps = eligible(make, rnd, 3)
    mine = eligible(make, rnd, 1, organization_id=org.id)[0]
    other_cat = eligible(make, rnd, 1, category="婦女發展")[0]
    make.proposal(rnd.id, status=ProposalStatus.submitted, category_id=category_id(app, rnd, "兒童關愛"))
    (r,) = reviewers(make, 1, organization_id=org.id)
    resp = auth.post(url(rnd, "/bulk"), {"bulk-category": category_id(app, rnd, "兒童關愛"),
                                       "bulk-reviewer": r.id}, headers=EN, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "assigned to 3 proposals" in html
    assert "Skipped because of a conflict of interest" in html and mine.number in html
    assert set(pairs(app, rnd.id)) == {(p.id, r.id) for p in ps}
    assert other_cat.id not in {p for p, _ in pairs(app, rnd.id)}


# ---------------------------------------------------------------------------------------------
# automatic
# ---------------------------------------------------------------------------------------------
def auto_form(**kw):
    data = {"category": "", "k": "2", "max_load": "", "incremental": "y"}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def hidden_fields(html):
    form = html[html.index('action="/admin/rounds/'):]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', form))


def test_auto_preview_then_confirm_and_emails(app, client, auth, make, admin):
    rnd = make.round(reviewers_per_proposal=2, blind_review=True)
    ps = eligible(make, rnd, 6)
    rs = reviewers(make, 3) + reviewers(make, 1, expertise="財務")
    app.extensions.pop("grants_outbox", None)
    resp = auth.post(url(rnd, "/auto/preview"), auto_form(), headers=EN)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Confirm and apply" in html
    assert "<svg" in html and "match the reviewer" in html
    assert pairs(app, rnd.id) == {}  # preview writes nothing
    fields = hidden_fields(html[html.index("assignments/auto/apply") - 40:])
    assert fields["k"] == "2" and len(fields["fingerprint"]) == 64
    resp = auth.post(url(rnd, "/auto/apply"), fields, headers=EN, follow_redirects=True)
    assert "Automatic assignment applied: 12 assignments added" in resp.get_data(as_text=True)
    got = pairs(app, rnd.id)
    assert len(got) == 12 and set(got.values()) == {"auto"}
    with app.app_context():  # one INSERT ... SELECT unnest(...) on PostgreSQL, an executemany elsewhere: same rows
        boss = db.session.scalar(select(User.id).where(User.email == "boss@fulian.example"))
        rows = db.session.scalars(select(Assignment).where(Assignment.round_id == rnd.id)).all()
        assert {(a.stage, a.created_by_id) for a in rows} == {(Stage.written, boss)}
        assert all(abs((utcnow() - a.created_at).total_seconds()) < 120 for a in rows)
    per_p = {p.id: sum(1 for (pp, _r) in got if pp == p.id) for p in ps}
    assert set(per_p.values()) == {2}
    # expertise first: the 財務 reviewer gets nothing while the 兒童關愛 experts have room
    assert all(r != rs[3].id for (_p, r) in got)
    outbox = app.extensions["grants_outbox"]
    assert {m["to"] for m in outbox} == {r.email for r in rs[:3]}
    body = outbox[0]["body"]
    assert "/reviewer/" in body and "P-" in body
    assert not any(p.name in m["body"] or p.number in m["body"] for m in outbox for p in ps)  # blind round


def test_stale_preview_refused(app, client, auth, make, admin):
    rnd = make.round(reviewers_per_proposal=2)
    ps = eligible(make, rnd, 3)
    rs = reviewers(make, 3)
    html = auth.post(url(rnd, "/auto/preview"), auto_form(), headers=EN).get_data(as_text=True)
    fields = hidden_fields(html[html.index("assignments/auto/apply") - 40:])
    auth.post(url(rnd, f"/proposals/{ps[0].id}/add"), {"reviewer": rs[0].id})  # someone changes things meanwhile
    resp = auth.post(url(rnd, "/auto/apply"), fields, headers=EN, follow_redirects=True)
    assert "changed after this preview was made" in resp.get_data(as_text=True)
    assert pairs(app, rnd.id) == {(ps[0].id, rs[0].id): "manual"}


def test_incremental_after_a_declared_conflict(app, client, auth, make, admin):
    rnd = make.round(reviewers_per_proposal=2)
    ps = eligible(make, rnd, 4)
    reviewers(make, 4)
    html = auth.post(url(rnd, "/auto/preview"), auto_form(), headers=EN).get_data(as_text=True)
    auth.post(url(rnd, "/auto/apply"), hidden_fields(html[html.index("assignments/auto/apply") - 40:]))
    before = pairs(app, rnd.id)
    assert len(before) == 8
    (p0, r_submitted), (p1, r_conflicted) = sorted(before)[0], sorted(before)[2]
    submit_review(app, p0, r_submitted, rnd.id)
    # both now declare a conflict: the submitted one must stay, the other is released and refilled
    add(app, ConflictDeclaration(reviewer_id=r_submitted, proposal_id=p0, has_conflict=True),
        ConflictDeclaration(reviewer_id=r_conflicted, proposal_id=p1, has_conflict=True))
    html = auth.post(url(rnd, "/auto/preview"), auto_form(), headers=EN).get_data(as_text=True)
    assert "already submitted their review" in html
    resp = auth.post(url(rnd, "/auto/apply"), hidden_fields(html[html.index("assignments/auto/apply") - 40:]),
                     headers=EN, follow_redirects=True)
    # p1's conflicted pair is replaced; p0 keeps the submitted (now conflicted) review and gets
    # a second reviewer without a conflict, so two clean reviews will exist
    assert "2 assignments added, 1 removed" in resp.get_data(as_text=True)
    after = pairs(app, rnd.id)
    assert (p0, r_submitted) in after and (p1, r_conflicted) not in after
    assert sum(1 for p, _ in after if p == p1) == 2
    assert sum(1 for p, _ in after if p == p0) == 3
    assert set(before) - {(p1, r_conflicted)} <= set(after)
    table = client.get(url(rnd), headers=EN).get_data(as_text=True)
    assert "declared conflict" in table  # the kept conflicted pair is marked
    assert ps


def test_infeasible_shows_reasons_in_english_and_applies_nothing(app, client, auth, make, admin):
    rnd = make.round(reviewers_per_proposal=3)
    org = make.organization()
    (p,) = eligible(make, rnd, organization_id=org.id)
    reviewers(make, 2)
    reviewers(make, 1, organization_id=org.id)
    resp = auth.post(url(rnd, "/auto/preview"), auto_form(k="3"), headers=EN)
    html = resp.get_data(as_text=True)
    assert "No assignment satisfies every rule" in html
    assert f"Proposal {p.number} has only 2 reviewers without a conflict of interest" in html
    assert "Invite more reviewers" in html and "Confirm and apply" not in html
    assert pairs(app, rnd.id) == {}


def test_preview_form_errors_keep_the_page(app, client, auth, make, admin):
    rnd = make.round()
    resp = auth.post(url(rnd, "/auto/preview"), auto_form(k="0", max_load="abc"), headers=EN)
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Please correct the fields marked below." in html and 'value="abc"' in html
    # an empty round (no proposal, no reviewer) previews without error
    empty = auth.post(url(rnd, "/auto/preview"), auto_form(), headers=EN)
    assert empty.status_code == 200 and "Automatic assignment: preview" in empty.get_data(as_text=True)
    # a proposal but no reviewer: the reason is given in words
    eligible(make, rnd, 1)
    html = auth.post(url(rnd, "/auto/preview"), auto_form(), headers=EN).get_data(as_text=True)
    assert "No assignment satisfies every rule" in html and "Invite more reviewers" in html


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
def test_csv_export_import_round_trip(app, client, auth, make, admin):
    rnd = make.round(reviewers_per_proposal=2)
    eligible(make, rnd, 3)
    reviewers(make, 3)
    html = auth.post(url(rnd, "/auto/preview"), auto_form(), headers=EN).get_data(as_text=True)
    auth.post(url(rnd, "/auto/apply"), hidden_fields(html[html.index("assignments/auto/apply") - 40:]))
    before = set(pairs(app, rnd.id))
    resp = client.get(url(rnd, ".csv"))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    data = resp.data
    assert data.startswith(b"\xef\xbb\xbf") and "兒童關愛".encode() in data
    assert data.splitlines()[0].endswith(b"proposal_number,blind_code,proposal_name,category,reviewer_email,reviewer_name,source")
    with app.app_context():
        for a in db.session.scalars(select(Assignment)):
            db.session.delete(a)
        db.session.commit()
    resp = auth.post(url(rnd, "/import"), {"file": (io.BytesIO(data), "a.csv")}, headers=EN,
                     content_type="multipart/form-data", follow_redirects=True)
    assert "6 assignments added, 0 already present" in resp.get_data(as_text=True)
    after = pairs(app, rnd.id)
    assert set(after) == before and set(after.values()) == {"import"}
    # importing the same file again changes nothing
    resp = auth.post(url(rnd, "/import"), {"file": (io.BytesIO(data), "a.csv")}, headers=EN,
                     content_type="multipart/form-data", follow_redirects=True)
    assert "0 assignments added, 6 already present" in resp.get_data(as_text=True)


def test_csv_import_bad_rows_reported_and_nothing_changed(app, client, auth, make, admin):
    rnd = make.round()
    org = make.organization()
    p1, p2 = eligible(make, rnd, 2)
    p3 = eligible(make, rnd, 1, organization_id=org.id)[0]
    screening = make.proposal(rnd.id, status=ProposalStatus.submitted)
    r1, r2 = reviewers(make, 2)
    r3 = reviewers(make, 1, organization_id=org.id)[0]
    text = "\n".join([
        "申報編號,評審專家電郵",
        f"{p1.number},{r1.email}",        # 2 ok
        f"{p2.number},{r2.email.upper()}",  # 3 ok (case-insensitive email)
        f"NOPE-1,{r1.email}",             # 4 unknown proposal
        f"{p1.number},nobody@x.example",  # 5 unknown reviewer
        f"{p3.number},{r3.email}",        # 6 conflict
        f"{screening.number},{r1.email}",  # 7 not eligible
        f"{p1.number},{r1.email}",        # 8 duplicate of row 2
        f"{p2.number},",                  # 9 missing email
    ])
    for payload in (text.encode("gbk"), text.encode("utf-8-sig")):
        resp = auth.post(url(rnd, "/import"), {"file": (io.BytesIO(payload), "bad.csv")}, headers=EN,
                         content_type="multipart/form-data")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "Nothing was imported" in html
        for n in (4, 5, 6, 7, 8, 9):
            assert f"Row {n}:" in html
        assert "Row 2:" not in html and "Row 3:" not in html
        assert "Row 4: No proposal is numbered NOPE-1 in this round." in html
        assert "Row 5: No reviewer has the email address nobody@x.example." in html
        assert f"Row 6: {r3.name} works for the organization that submitted {p3.number}" in html
        assert f"Row 7: {screening.number} has not passed screening" in html
        assert "Row 8: This row repeats row 2." in html
        assert "Row 9: The proposal number and the reviewer&#39;s email are both required." in html
        assert pairs(app, rnd.id) == {}
    # the same report in Traditional Chinese (the default language)
    html = auth.post(url(rnd, "/import"), {"file": (io.BytesIO(text.encode("utf-8")), "bad.csv")},
                     content_type="multipart/form-data").get_data(as_text=True)
    assert "本屆沒有編號為 NOPE-1 的申報書。" in html and "此行與第 2 行重複。" in html
    assert "沒有電子郵件為 nobody@x.example 的評審專家。" in html
    # the operation itself returns (row, problem) pairs: codes, never sentences
    with app.app_context():
        result = ops.import_csv(db.session.get(type(rnd), rnd.id), text.encode("utf-8"))
        db.session.rollback()
    assert [(n, p.code) for n, p in result.errors] == [
        (4, "unknown_proposal_number"), (5, "unknown_reviewer_email"), (6, "conflict_same_organization"),
        (7, "proposal_not_assignable"), (8, "duplicate_row"), (9, "csv_row_incomplete")]
    assert result.errors[4][1].params == {"row": 2}
    good = f"proposal_number,reviewer_email\n{p1.number},{r1.email}\n".encode()
    resp = auth.post(url(rnd, "/import"), {"file": (io.BytesIO(good), "ok.csv")}, headers=EN,
                     content_type="multipart/form-data")
    assert resp.status_code == 302 and set(pairs(app, rnd.id)) == {(p1.id, r1.id)}


# ---------------------------------------------------------------------------------------------
# CLI and query counts
# ---------------------------------------------------------------------------------------------
def test_cli_dry_run_then_apply(app, runner, make):
    rnd = make.round(edition=8, reviewers_per_proposal=2)
    eligible(make, rnd, 4)
    eligible(make, rnd, 2, category="婦女發展")
    reviewers(make, 3)
    result = runner.invoke(args=["assign", "--round", "8", "--category", "兒童關愛", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "項目 4 個" in result.output and "新增 8" in result.output and "試運行" in result.output
    assert pairs(app, rnd.id) == {}
    result = runner.invoke(args=["assign", "--round", "8", "--k", "4", "--lang", "en"])
    assert result.exit_code != 0 and "has only 3 reviewers" in result.output
    assert "No assignment satisfies every rule; nothing was changed." in result.output
    result = runner.invoke(args=["assign", "--round", "8", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "12 new" in result.output and "Saved." in result.output
    assert len(pairs(app, rnd.id)) == 12
    result = runner.invoke(args=["assign", "--round", "8", "--category", "不存在"])
    assert result.exit_code != 0 and "no category" in result.output


def count_queries(app, fn):
    with counting_queries(app) as statements:
        fn()
    return len(statements)


def test_query_count_does_not_grow_with_proposals(app, client, auth, make, admin):
    rnd = make.round(reviewers_per_proposal=2)
    rs = reviewers(make, 3)
    org = make.organization()

    def grow(n):
        ps = eligible(make, rnd, n, organization_id=org.id)
        with app.app_context():
            for p in ps:
                db.session.add(Assignment(round_id=rnd.id, proposal_id=p.id, reviewer_id=rs[0].id, stage=Stage.written))
            db.session.add(ConflictDeclaration(reviewer_id=rs[1].id, proposal_id=ps[0].id, has_conflict=True))
            db.session.commit()

    grow(2)
    small = count_queries(app, lambda: client.get(url(rnd)))
    small_preview = count_queries(app, lambda: auth.post(url(rnd, "/auto/preview"), auto_form()))
    grow(20)
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 22
    big = count_queries(app, lambda: client.get(url(rnd)))
    big_preview = count_queries(app, lambda: auth.post(url(rnd, "/auto/preview"), auto_form()))
    assert small == big, (small, big)
    assert small_preview == big_preview, (small_preview, big_preview)


@pytest.mark.parametrize("role", ["anonymous", "applicant", "reviewer", "admin"])
def test_assignment_pages_access(app, client, auth, make, role):
    """The feature's own slice of the access matrix (also covered by tests/security/test_access_matrix.py)."""
    from flask import url_for

    def one_proposal(make, rnd):
        return {"round_id": rnd.id, "proposal_id": make.proposal(rnd.id, status=ProposalStatus.eligible).id}

    RULES = {  # noqa: N806
        "admin.assignments": {"admin"},
        "admin.assignment_proposal": ({"admin"}, one_proposal),
        "admin.assignment_export": {"admin"},
    }
    rnd = make.round()
    if role != "anonymous":
        make.user(Role(role), email=f"{role}@example.org")
        auth.login(f"{role}@example.org")
    for endpoint, rule in RULES.items():
        allowed, build = rule if isinstance(rule, tuple) else (rule, lambda make, rnd: {"round_id": rnd.id})
        with app.test_request_context():
            target = url_for(endpoint, **build(make, rnd))
        status = client.get(target).status_code
        if role in allowed:
            assert status == 200, (endpoint, status)
        elif role == "anonymous":
            assert status == 302, (endpoint, status)
        else:
            assert status in (403, 404), (endpoint, status)
    if role == "admin":
        assert client.get(f"/admin/rounds/{rnd.id + 999}/assignments").status_code == 404


# ---------------------------------------------------------------------------------------------
# refusals: codes from the operations, sentences only at the edge, in each language
# ---------------------------------------------------------------------------------------------
def refused(fn) -> Refusal:
    with pytest.raises(Refusal) as info:
        fn()
    return info.value


def test_manual_refusals_carry_codes_and_render_in_each_language(app, make):
    rnd = make.round()
    (p,) = eligible(make, rnd)
    waiting = make.proposal(rnd.id, status=ProposalStatus.submitted)
    (r,) = reviewers(make, 1)
    (off,) = reviewers(make, 1, active=False)
    applicant = make.user(Role.applicant, name="王小姐")
    with app.test_request_context("/"):
        proposal, reviewer = db.session.get(Proposal, p.id), db.session.get(User, r.id)
        cases = [
            (refused(lambda: ops.assign(proposal, db.session.get(User, applicant.id))), "not_a_reviewer"),
            (refused(lambda: ops.assign(proposal, db.session.get(User, off.id))), "reviewer_deactivated"),
            (refused(lambda: ops.assign(db.session.get(Proposal, waiting.id), reviewer)), "proposal_not_assignable"),
        ]
        ops.assign(proposal, reviewer)
        cases.append((refused(lambda: ops.assign(proposal, reviewer)), "already_assigned"))
        bulk = refused(lambda: ops.assign_category(rnd, p.category_id, db.session.get(User, off.id)))
        db.session.rollback()
    assert [(exc.code, exc.field) for exc, _code in cases] == [(code, "reviewer") for _exc, code in cases]
    assert bulk.code == "reviewer_deactivated"
    assert pairs(app, rnd.id) == {}  # nothing was committed
    texts = {code: (render(app, exc, "en"), render(app, exc, "zh_Hant"), render(app, exc, "zh_Hans"))
             for exc, code in cases}
    assert texts["not_a_reviewer"] == ("王小姐 is not a reviewer.", "王小姐不是評審專家。", "王小姐不是评审专家。")
    assert texts["reviewer_deactivated"][0] == f"{off.name}'s account is deactivated."
    assert texts["proposal_not_assignable"][0].startswith(f"{waiting.number} has not passed screening")
    assert texts["already_assigned"][0] == f"{r.name} is already assigned to {p.number}."
    for en, hant, hans in texts.values():
        assert "%(" not in en + hant + hans and hant != en and hans != en


def test_conflict_refused_in_chinese(app, client, auth, make, admin):
    rnd = make.round()
    org = make.organization()
    (p,) = eligible(make, rnd, organization_id=org.id)
    (r,) = reviewers(make, 1, organization_id=org.id)
    resp = auth.post(url(rnd, f"/proposals/{p.id}/add"), {"reviewer": r.id})
    assert resp.status_code == 409
    assert f"{r.name} 在 {p.number} 的申報機構任職：利益衝突。" in resp.get_data(as_text=True)
    assert "⚠ 同一組織" in client.get(url(rnd, f"/proposals/{p.id}")).get_data(as_text=True)


def test_unassign_and_apply_refusals(app, make):
    rnd = make.round(reviewers_per_proposal=2)
    org = make.organization()
    (p,) = eligible(make, rnd, organization_id=org.id)
    (r,) = reviewers(make, 1)
    with app.test_request_context("/"):
        row = ops.assign(db.session.get(Proposal, p.id), db.session.get(User, r.id))
        db.session.commit()
        row_id = row.id
    submit_review(app, p.id, r.id, rnd.id)
    with app.test_request_context("/"):
        exc = refused(lambda: ops.unassign(db.session.get(Assignment, row_id)))
        assert exc.code == "review_already_submitted"
        stale = refused(lambda: ops.apply(db.session.get(type(rnd), rnd.id), expected_fingerprint="0" * 64))
        assert stale.code == "stale_preview"
        # k=2 but one reviewer in all: the refusal says so and why, with the solver's figures
        infeasible = refused(lambda: ops.apply(db.session.get(type(rnd), rnd.id)))
        db.session.rollback()
    assert infeasible.codes == ["no_feasible_assignment", "too_few_eligible"]
    assert infeasible.problems[1].params == {"proposal_id": p.id, "proposal": p.number, "eligible": 1, "required": 2}
    assert pairs(app, rnd.id) == {(p.id, r.id): "manual"}
    assert render(app, exc, "zh_Hant") == "該評審專家已提交評審，不能取消分配。"
    assert render(app, stale, "en").startswith("The assignments, reviewers or conflicts changed")


@pytest.mark.no_database
def test_solver_problems_render_in_each_language(app):
    cases = [
        (Problem(None, "too_few_eligible", {"proposal": "P12", "eligible": 2, "required": 3}), (
            "項目 P12 只有 2 位無利益衝突的評審專家，少於每項目所需的 3 位",
            "项目 P12 只有 2 位无利益冲突的评审专家，少于每项目所需的 3 位",
            "Proposal P12 has only 2 reviewers without a conflict")),
        (Problem(None, "capacity_short", {"capacity": 9, "demand": 10, "shortfall": 1}), (
            "尚缺 1 份", "尚缺 1 份", "short by 1")),
        (Problem(None, "min_load_excess", {"min_total": 7, "demand": 6, "excess": 1}), (
            "最低評審量合計 7 份", "最低评审量合计 7 份", "add up to 7 reviews")),
        (Problem(None, "min_load_unreachable", {"reviewer": "R7", "eligible": 1, "min_load": 2}), (
            "評審專家 R7 只能評審 1 個", "评审专家 R7 只能评审 1 个", "Reviewer R7 can review only 1")),
        (Problem(None, "group_shortage", {"proposals": ["P1", "P2", "P3"], "count": 3, "demand": 6, "capacity": 3}), (
            "以下 3 個項目共需 6 份評審", "以下 3 个项目共需 6 份评审", "These 3 proposals need 6 reviews")),
        (Problem(None, "reviewer_group_shortage", {"reviewers": ["R1", "R2"], "count": 2, "min_total": 2,
                                                  "capacity": 1}), ("R1、R2", "R1、R2", "R1, R2")),
        (Problem(None, "kept_exceeds_k", {"proposal": "P1", "kept": 2, "required": 1}), (
            "項目 P1 已保留 2 位評審專家", "项目 P1 已保留 2 位评审专家", "Proposal P1 already keeps 2 reviewers")),
        (Problem(None, "kept_exceeds_max_load", {"reviewer": "R1", "kept": 2, "max_load": 1}), (
            "超過其評審上限 1", "超过其评审上限 1", "maximum load of 1")),
        (Problem(None, "infeasible", {}), ("無法完成分配", "无法完成分配", "No assignment satisfies")),
    ]
    for problem, expected in cases:
        for locale, fragment in zip(("zh_Hant", "zh_Hans", "en"), expected, strict=True):
            assert fragment in render(app, problem, locale), (problem.code, locale)
    # a long group names its first ten, then "…"; the message gives the count
    long = ops.shorten(Problem(None, "group_shortage", {"proposals": [f"P{i}" for i in range(15)], "count": 15,
                                                        "demand": 45, "capacity": 40}))
    assert long.params["proposals"] == [f"P{i}" for i in range(10)] + ["…"]
    text = render(app, long, "zh_Hant")
    assert text.startswith("以下 15 個項目") and "P0、P1" in text and "P9、…" in text and "P10" not in text


def test_infeasible_preview_in_chinese(app, client, auth, make, admin):
    rnd = make.round(reviewers_per_proposal=3)
    (p,) = eligible(make, rnd)
    reviewers(make, 2)
    html = auth.post(url(rnd, "/auto/preview"), auto_form(k="3")).get_data(as_text=True)
    assert f"項目 {p.number} 只有 2 位無利益衝突的評審專家" in html


def test_cli_prints_the_refusal_of_apply(app, runner, make, monkeypatch):
    rnd = make.round(edition=8, reviewers_per_proposal=1)
    eligible(make, rnd, 1)
    reviewers(make, 1)

    def stale(*args, **kwargs):
        raise Refusal("stale_preview")

    monkeypatch.setattr(ops, "apply", stale)
    result = runner.invoke(args=["assign", "--round", "8", "--lang", "en"])
    assert result.exit_code != 0
    assert "Error: The assignments, reviewers or conflicts changed after this preview was made" in result.output
    result = runner.invoke(args=["assign", "--round", "8"])
    assert result.exit_code != 0 and "生成此預覽後" in result.output
    assert pairs(app, rnd.id) == {}
