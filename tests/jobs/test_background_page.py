"""The admins' background-work page: failed jobs with the error in words and a retry button (POST with
CSRF), failed mails listed, in three languages; a publication shows its render's progress from its job."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Job, OutboxMail, Role, utcnow
from tests.conftest import translate


@pytest.fixture
def app(inprocess_app):
    return inprocess_app


def failed_mail(app) -> tuple[int, int]:
    with app.app_context():
        row = OutboxMail(to="ngo@example.org", subject="申報已收到", body="內文", status="failed", attempts=6,
                         last_error="SMTPDataError: (451, b'Mailbox busy, try again later')")
        db.session.add(row)
        db.session.flush()
        job = Job(kind="mail.send", args={"outbox_id": row.id}, key=f"mail:{row.id}", status="failed", attempts=6,
                  max_attempts=6, error=row.last_error, finished_at=utcnow())
        db.session.add(job)
        db.session.commit()
        return row.id, job.id


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans", "en"])
def test_page_shows_failed_work_in_words_in_each_language(app, client, auth, make, locale):
    failed_mail(app)
    make.user(Role.admin, email="admin@example.org")
    assert auth.login("admin@example.org").status_code == 302
    page = client.get("/admin/background", headers={"Accept-Language": locale.replace("_", "-")}).get_data(as_text=True)
    for msgid in ("Background work", "The mail server refused the mail or could not be reached.", "Send a mail",
                  "Try again", "Mails not delivered", "Nothing is running."):
        assert translate(msgid, locale) in page
    assert "ngo@example.org" in page and "申報已收到" in page


def test_retry_needs_csrf_then_sends_the_failed_mail(app, client, auth, make):
    outbox_id, job_id = failed_mail(app)
    make.user(Role.admin, email="admin@example.org")
    auth.login("admin@example.org")
    assert client.post(f"/admin/background/jobs/{job_id}/retry").status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(Job, job_id).status == "failed"
    app.extensions["grants_outbox"] = []
    response = auth.post(f"/admin/background/jobs/{job_id}/retry", headers={"Accept-Language": "en"},
                         follow_redirects=True)
    assert "The job will be tried again." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Job, job_id).status == "done"
        assert db.session.get(OutboxMail, outbox_id).status == "sent"
    assert [m["to"] for m in app.extensions["grants_outbox"]] == ["ngo@example.org"]
    response = auth.post(f"/admin/background/jobs/{job_id}/retry", headers={"Accept-Language": "en"},
                         follow_redirects=True)  # not failed any more: refused, nothing sent
    assert "Only a failed job can be tried again." in response.get_data(as_text=True)
    assert len(app.extensions["grants_outbox"]) == 1


def test_the_render_job_failing_shows_on_the_publication_and_retries(app, client, auth, make, monkeypatch):
    """A render that fails every attempt marks the publication failed (with the job's error); the admin's
    retry starts the same job again and the PDF appears."""
    from grants.platform import jobs
    from grants.publication import award_list
    from tests.publication.test_publication_support import add_awards, admin_login

    rnd = make.round()
    add_awards(make, app, rnd)
    admin_login(make, auth)
    real = award_list.render_award_list
    monkeypatch.setattr(award_list, "render_award_list", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    auth.post(f"/admin/rounds/{rnd.id}/publication/publish")
    with app.app_context():  # attempts 2 and 3 (the back-off is passed by hand in immediate mode)
        job = db.session.scalar(select(Job).where(Job.kind == "publication.render"))
        for _ in range(2):
            job.run_at = utcnow()
            db.session.commit()
            jobs.execute(job.id)
            db.session.refresh(job)
        assert (job.status, job.attempts) == ("failed", 3)
    status = client.get(f"/admin/rounds/{rnd.id}/publication/status.json").get_json()
    assert status["status"] == "failed" and status["job"] == "failed" and status["done"]
    monkeypatch.setattr(award_list, "render_award_list", real)
    assert auth.post(f"/admin/rounds/{rnd.id}/publication/render").status_code == 302
    status = client.get(f"/admin/rounds/{rnd.id}/publication/status.json").get_json()
    assert status["status"] == "notice" and status["job"] == "done" and status["progress"] == 100
