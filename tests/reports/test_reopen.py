"""Re-opening an overdue report through the app, with a frozen clock: the scheduled job marks the mid-term
report overdue; the Federation accepts it late (a flood) with a reason and a new due date; the NGO is told,
saves and submits; the evaluation no longer fails it for lateness. Refusals change no row; only an admin
may re-open."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from grants.evaluation import operations as evaluation_ops
from grants.extensions import db
from grants.models import (
    Agreement,
    AuditEntry,
    Evaluation,
    EvaluationState,
    OutboxMail,
    Report,
    ReportKind,
    ReportStatus,
)
from grants.platform import reminders
from grants.reports import operations as ops
from tests.agreements.support import PROJECT
from tests.conftest import Actions, csrf_token, translate
from tests.htmlids import id_problems
from tests.reports import support as s
from tests.reports.support import ADMIN, FINAL_DUE, MIDTERM_DUE, NGO

TODAY = MIDTERM_DUE + timedelta(days=5)  # five days late
NEW_DUE = TODAY + timedelta(days=10)


def _reopen(kind: str = "midterm", **fields) -> dict:
    """The re-open form of one report kind as posted: its fields carry the kind's prefix."""
    return {f"reopen-{kind}-{name}": value for name, value in fields.items()}


def _at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=UTC) - timedelta(hours=8),
                               tick=False)


def _actions(app, email: str) -> Actions:
    actions = Actions(app.test_client())
    actions.login(email)
    return actions


def _snapshot(app, report_id: int) -> tuple:
    """What a refused re-open must leave alone: the report's dates, the audit trail, the outbox."""
    with app.app_context():
        r = db.session.get(Report, report_id)
        return (r.overdue_at, r.extended_to, r.extension_reason, r.revision_due_on, r.version,
                db.session.scalar(select(func.count()).select_from(AuditEntry)),
                db.session.scalar(select(func.count()).select_from(OutboxMail)))


def _evaluation(app, agreement_id: int, state: EvaluationState) -> int:
    with app.app_context():
        a = db.session.get(Agreement, agreement_id)
        e = Evaluation(agreement_id=a.id, round_id=a.round_id, proposal_id=a.proposal_id,
                       organization_id=a.organization_id, kind=ReportKind.midterm, state=state)
        db.session.add(e)
        db.session.commit()
        return e.id


def test_admin_reopens_an_overdue_report_the_ngo_submits_and_the_evaluation_does_not_fail_it(app, make):
    world = s.build(make, app, dues=(MIDTERM_DUE, FINAL_DUE))
    with _at(MIDTERM_DUE + timedelta(days=1)), app.test_request_context():
        marked = ops.mark_overdue()
        db.session.commit()
        report_id = marked[0].id
    assert len(marked) == 1
    url = f"/admin/agreements/{world.agreement_id}/reports/midterm/reopen"
    page = f"/admin/agreements/{world.agreement_id}/reports"

    with _at(TODAY):
        admin = _actions(app, ADMIN)
        html = admin.client.get(page).get_data(as_text=True)
        assert 'id="reopen-midterm"' in html and 'id="reopen-final"' not in html  # only the overdue one

        # refused: nothing changes, what was typed stays, the message is next to its field
        before = _snapshot(app, report_id)
        for data, shown, error in (
                (_reopen(new_due=NEW_DUE.isoformat(), reason="  "), NEW_DUE.isoformat(), "reason"),
                (_reopen(new_due="", reason="颱風後水浸"), "颱風後水浸", "new_due"),
                (_reopen(new_due=(TODAY - timedelta(days=1)).isoformat(), reason="颱風後水浸"), "颱風後水浸",
                 "new_due")):
            response = admin.post(url, data)
            assert response.status_code == 400, data
            text = response.get_data(as_text=True)
            assert shown in text and f'id="reopen-midterm-{error}-error"' in text
            assert '<details class="extension" open>' in text
            assert _snapshot(app, report_id) == before
        # an evaluation already decided: too late to re-open
        decided = _evaluation(app, world.agreement_id, EvaluationState.decided)
        response = admin.post(url, _reopen(new_due=NEW_DUE.isoformat(), reason="颱風後水浸"))
        assert response.status_code == 400 and translate(
            "The evaluation of this report is already decided: the report can no longer be re-opened.",
            "zh_Hant") in response.get_data(as_text=True)
        assert _snapshot(app, report_id) == before
        with app.app_context():
            db.session.get(Evaluation, decided).state = EvaluationState.panel  # still forming its panel
            db.session.commit()
        # a report that is not overdue (the final one, opened, due later)
        with app.test_request_context():
            final_id = ops.open_report(db.session.get(Agreement, world.agreement_id), "final").id
            db.session.commit()
        final_before = _snapshot(app, final_id)
        refused = admin.post(f"/admin/agreements/{world.agreement_id}/reports/final/reopen",
                             _reopen("final", new_due=NEW_DUE.isoformat(), reason="颱風後水浸"))
        assert refused.status_code == 400 and _snapshot(app, final_id) == final_before
        assert translate("Only a report marked overdue and not yet submitted can be re-opened.",
                         "zh_Hant") in refused.get_data(as_text=True)
        # not an admin: the NGO is refused, nothing changes
        ngo = _actions(app, NGO)
        before = _snapshot(app, report_id)  # logging in is audited
        assert ngo.post(url, _reopen(new_due=NEW_DUE.isoformat(), reason="x")).status_code in (403, 404)
        assert _snapshot(app, report_id) == before
        # an unknown kind
        assert admin.post(f"/admin/agreements/{world.agreement_id}/reports/other/reopen",
                          _reopen(new_due=NEW_DUE.isoformat(), reason="x")).status_code == 404

        # re-opened
        response = admin.post(url, _reopen(new_due=NEW_DUE.isoformat(), reason=" 颱風後辦公室水浸 "))
        assert response.status_code == 302 and response.headers["Location"].endswith(page)
        with app.app_context():
            report = db.session.get(Report, report_id)
            assert report.overdue_at is None and report.effective_due_on == NEW_DUE
            assert report.extension_reason == "颱風後辦公室水浸"
            assert not ops.is_overdue(report, TODAY)
            entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "reopen_overdue_report")).one()
            assert entry.details["was"] == MIDTERM_DUE.isoformat() and entry.details["due"] == NEW_DUE.isoformat()
            assert entry.details["reason"] == "颱風後辦公室水浸"
            mails = db.session.scalars(select(OutboxMail).where(OutboxMail.to == NGO).order_by(OutboxMail.id)).all()
            assert mails[-1].subject == translate("Your overdue project report was re-opened", "zh_Hant")
            assert mails[-1].body.startswith(translate(
                "The %(kind)s of “%(project)s” was re-opened after it became overdue: it is now due by %(due)s. "
                "Reason: %(reason)s", "zh_Hant", kind="中期報告", project=PROJECT, due=NEW_DUE.isoformat(),
                reason="颱風後辦公室水浸"))
            evaluation = db.session.get(Evaluation, decided)
            assert evaluation_ops.is_overdue(evaluation) is False
        html = admin.client.get(page).get_data(as_text=True)
        assert 'id="reopen-midterm"' not in html and NEW_DUE.isoformat() in html
        # a second re-open is refused: it is no longer overdue
        assert admin.post(url, _reopen(new_due=NEW_DUE.isoformat(), reason="再次")).status_code == 400

        # the NGO continues its draft and submits before the new date
        c = ngo.client
        report_url = f"/applicant/reports/{report_id}"
        token = csrf_token(c, report_url)

        def version() -> str:
            with app.app_context():
                return str(db.session.get(Report, report_id).version)

        response = c.post(report_url, data=s.complete_form(token, version=version()))
        assert response.status_code == 302 and response.headers["Location"].endswith(f"{report_url}/submit")
        response = c.post(f"{report_url}/submit", data={"csrf_token": token, "version": version()})
        assert response.status_code == 302
        with app.app_context():
            assert db.session.get(Report, report_id).status == ReportStatus.submitted

    # the scheduled job leaves the submitted report alone after the new date
    with _at(NEW_DUE + timedelta(days=1)), app.test_request_context():
        assert [r.id for r in ops.mark_overdue()] == []
        db.session.rollback()


def test_a_reopened_report_not_submitted_by_its_new_date_is_marked_overdue_again(app, make):
    world = s.build(make, app, dues=(MIDTERM_DUE, FINAL_DUE))
    with _at(MIDTERM_DUE + timedelta(days=1)), app.test_request_context():
        report_id = ops.mark_overdue()[0].id
        db.session.commit()
    with _at(TODAY), app.test_request_context():
        ops.reopen_overdue(db.session.get(Report, report_id), new_due=TODAY, reason="病假", user_id=None)
        db.session.commit()
    with _at(TODAY), app.test_request_context():
        assert ops.mark_overdue() == []  # due today: in by the end of it
        db.session.commit()
    with _at(TODAY + timedelta(days=1)), app.test_request_context():
        assert [r.id for r in ops.mark_overdue()] == [report_id]
        db.session.commit()
        assert db.session.get(Agreement, world.agreement_id) is not None


def test_a_reopened_report_gets_the_due_reminders_of_its_new_date_once_each(app, make):
    """The 7-day and 1-day reminders name the due date in their occasion: a re-open's new date gets its own."""
    s.build(make, app, dues=(MIDTERM_DUE, FINAL_DUE))

    def scan(day: date) -> list[tuple[str, str]]:
        with app.app_context():
            before = db.session.scalar(select(func.max(OutboxMail.id))) or 0
        with _at(day), app.test_request_context():
            reminders.send_due()
            db.session.commit()
        with app.app_context():
            return [(m.to, m.subject) for m in db.session.scalars(
                select(OutboxMail).where(OutboxMail.id > before).order_by(OutboxMail.id))]

    def due_mail(due: date) -> tuple[str, str]:
        return (NGO, translate("Reminder: the %(kind)s of “%(project)s” is due by %(due)s", "zh_Hant",
                               kind="中期報告", project=PROJECT, due=due.isoformat()))

    # the first due date's reminders went out (an occasion without the date would stop the new date's)
    assert scan(MIDTERM_DUE - timedelta(days=7)) == [due_mail(MIDTERM_DUE)]
    assert scan(MIDTERM_DUE - timedelta(days=1)) == [due_mail(MIDTERM_DUE)]
    with _at(MIDTERM_DUE + timedelta(days=1)), app.test_request_context():
        report_id = ops.mark_overdue()[0].id
        db.session.commit()
    overdue = scan(TODAY)  # the overdue mails (NGO and admin), no due reminder
    assert len(overdue) == 2 and not [m for m in overdue if m in (due_mail(MIDTERM_DUE), due_mail(NEW_DUE))]
    with _at(TODAY), app.test_request_context():
        ops.reopen_overdue(db.session.get(Report, report_id), new_due=NEW_DUE, reason="颱風後水浸", user_id=None)
        db.session.commit()
    assert scan(NEW_DUE - timedelta(days=8)) == []
    assert scan(NEW_DUE - timedelta(days=7)) == [due_mail(NEW_DUE)]
    assert scan(NEW_DUE - timedelta(days=6)) == []  # once
    assert scan(NEW_DUE - timedelta(days=1)) == [due_mail(NEW_DUE)]
    assert scan(NEW_DUE) == []


REOPEN_HELP = ("Only while its evaluation is not decided, with a new due date (today or later) and a reason. "
               "The organization is told.")


def _page_on(app, make, day: date) -> tuple[int, Actions, str]:
    """The admin's project reports page on ``day``, the scheduled job having marked what is overdue."""
    world = s.build(make, app, dues=(MIDTERM_DUE, FINAL_DUE))
    with _at(day), app.test_request_context():
        ops.mark_overdue()
        db.session.commit()
    with _at(day):
        admin = _actions(app, ADMIN)
        html = admin.client.get(f"/admin/agreements/{world.agreement_id}/reports").get_data(as_text=True)
    return world.agreement_id, admin, html


def _forms(html: str) -> dict[str, str]:
    """The extension and re-open forms of the page: form id -> its HTML."""
    return dict(re.findall(r'<form [^>]*id="((?:extension|reopen)-\w+)">(.*?)</form>', html, re.S))


@pytest.mark.parametrize(("day", "shown"), [
    (MIDTERM_DUE - timedelta(days=10), {"extension-midterm", "extension-final"}),
    (TODAY, {"reopen-midterm", "extension-final"}),
    (FINAL_DUE + timedelta(days=1), {"reopen-midterm", "reopen-final"}),
], ids=["both-extensions", "reopen-and-extension", "both-reopens"])
def test_the_project_reports_page_has_each_id_once_and_each_label_for_its_own_field(app, make, day, shown):
    """Both kinds' forms share the page: each form's fields carry its own prefix (before: two ``reason``
    boxes with one id, the final report's label focused the mid-term box)."""
    _agreement_id, _admin, html = _page_on(app, make, day)
    forms = _forms(html)
    assert set(forms) == shown
    assert id_problems(html) == []
    for form_id, body in forms.items():
        kind = form_id.split("-")[1]
        prefix = f"{'extend' if form_id.startswith('extension') else 'reopen'}-{kind}-"
        labels = re.findall(r'<label for="([^"]+)"', body)
        assert len(labels) == 2 and all(label.startswith(prefix) for label in labels), (form_id, labels)
        for label in labels:  # the labelled field is in the same form
            assert re.search(rf'<(?:input|textarea)[^>]* id="{label}"', body), (form_id, label)
    if "reopen-midterm" in shown:  # the re-open form says when it can be used, as the extension form does
        assert translate(REOPEN_HELP, "zh_Hant") in forms["reopen-midterm"]
        assert '<p class="help">' in forms["reopen-midterm"]


def test_a_refused_extension_shows_the_error_by_its_own_field_and_keeps_what_was_typed(app, make):
    agreement_id, admin, _html = _page_on(app, make, TODAY)  # mid-term: re-open; final: extension
    with _at(TODAY):
        response = admin.post(f"/admin/agreements/{agreement_id}/reports/final/extension",
                              {"extend-final-extended_to": "2027-02-30", "extend-final-reason": "審計延誤，需多兩週"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert id_problems(html) == []
    forms = _forms(html)
    final, midterm = forms["extension-final"], forms["reopen-midterm"]
    # the error is under the final report's date, the typed reason stays in the final report's box
    assert 'id="extend-final-extended_to-error"' in final and 'aria-invalid="true"' in final
    assert re.search(r'<input[^>]* id="extend-final-extended_to"[^>]* value="2027-02-30"', final)
    assert re.search(r'<textarea[^>]* id="extend-final-reason"[^>]*>\s*審計延誤，需多兩週</textarea>', final)
    assert html.count('<details class="extension" open>') == 1
    # the mid-term re-open form is untouched: no error, nothing filled in
    assert "-error" not in midterm and "aria-invalid" not in midterm and "審計延誤" not in midterm
