"""Builders for the report tests (no tests here): the agreement world of tests/agreements with the NGO's
agreement signed by both sides, a proposal with a timeline, outcome indicators and two districts."""

from __future__ import annotations

from datetime import date, timedelta

from grants.extensions import db
from grants.models import ActivityRow, Agreement, OutcomeRow
from tests.agreements import support as s
from tests.agreements.support import ADMIN, NGO  # noqa: F401  (re-exported)

MIDTERM_DUE = date(2026, 6, 30)  # for the frozen-clock tests
FINAL_DUE = date(2027, 1, 30)


def upcoming() -> tuple[date, date]:
    """Due dates still ahead by the real clock (tests that do not freeze it)."""
    today = date.today()
    return today + timedelta(days=30), today + timedelta(days=200)


def build(make, app, *, dues: tuple[date, date] | None = None):
    world = s.build(make, app)
    s.sign_both(app, world.agreement_id)
    with app.app_context():
        a = db.session.get(Agreement, world.agreement_id)
        a.proposal.districts = ["huicheng", "boluo"]
        a.proposal.activities = [
            ActivityRow(position=0, month="2026-03", activity="安全教育講座", output="4 場"),
            ActivityRow(position=1, month="2026-05", activity="親子戶外活動", output="2 場"),
        ]
        a.proposal.outcomes = [OutcomeRow(position=0, indicator="兒童安全知識知曉率", target="85%", measure="問卷")]
        a.midterm_report_due, a.final_report_due = dues or upcoming()
        db.session.commit()
    return world


def complete_form(token: str, *, action: str = "confirm", final: bool = False, version: str = "") -> dict:
    """A complete report as the form posts it (2 activities, 4 groups x 2 districts, 1 indicator, the
    agreement's budget categories: activities and personnel)."""
    data = {
        "csrf_token": token, "version": version, "action": action,
        "activities-0-state": "done", "activities-0-done": "辦了 4 場講座，共 160 人次",
        "activities-1-state": "partly", "activities-1-done": "因颱風只辦了 1 場",
        "sessions_held": "5", "volunteers": "12", "volunteer_hours": "36.5",
        "indicators-0-actual": "88%", "indicators-0-note": "前後測問卷",
        "spending-0-spent": "50,000.50", "spending-1-spent": "0",
        "matching_funds": "10000", "problems": "颱風停課", "changes": "",
    }
    for i in range(8):
        data[f"served-{i}-person_times"] = str([100, 60, 0, 0, 20, 0, 0, 0][i])
    if final:
        data |= {"settlement-0-amount": "90000", "settlement-1-amount": "30000.50"}
    return data
