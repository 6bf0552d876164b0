"""Judges reach every page of theirs from their dashboard, and the judge's screen follows the host."""

from __future__ import annotations

from tests.roadshow.test_roadshow import EN, _order, _pitch_day, _sheet


def test_the_dashboard_links_the_roadshow_page_and_the_signed_sheets(app, client, auth, make):
    rnd, ps, judges = _pitch_day(app, make, auth, n_judges=3)
    first = _order(app, rnd.id)[0]
    auth.logout()
    auth.login("j0@expert.example")
    page = client.get("/reviewer/", headers=EN).get_data(as_text=True)
    assert f'href="/reviewer/rounds/{rnd.id}/roadshow"' in page and "On stage now" in page
    assert "No proposals have been assigned to you yet." not in page  # a roadshow-only judge has work
    assert auth.post(f"/reviewer/rounds/{rnd.id}/roadshow", _sheet(first, "25", "24", "30")).status_code == 302
    page = client.get("/reviewer/", headers=EN).get_data(as_text=True)
    assert f'href="/reviewer/rounds/{rnd.id}/roadshow/{first}/sheet.pdf"' in page
    judge = client.get(f"/reviewer/rounds/{rnd.id}/roadshow", headers=EN).get_data(as_text=True)
    assert 'href="/reviewer/"' in judge  # and back


def test_a_reviewer_off_the_panel_sees_no_roadshow_link(app, client, auth, make):
    rnd, ps, judges = _pitch_day(app, make, auth, n_judges=2)
    auth.logout()
    from grants.models import Role

    make.user(Role.reviewer, email="outsider@expert.example")
    auth.login("outsider@expert.example")
    page = client.get("/reviewer/", headers=EN).get_data(as_text=True)
    assert "/roadshow" not in page
    assert client.get(f"/reviewer/rounds/{rnd.id}/roadshow/now.json").status_code == 404


def test_the_judge_page_follows_the_host(app, client, auth, make):
    rnd, ps, judges = _pitch_day(app, make, auth, n_judges=2)
    order = _order(app, rnd.id)
    auth.logout()
    auth.login("j1@expert.example")
    now = client.get(f"/reviewer/rounds/{rnd.id}/roadshow/now.json")
    assert now.get_json() == {"current": order[0]} and now.headers["Cache-Control"] == "no-store"
    page = client.get(f"/reviewer/rounds/{rnd.id}/roadshow", headers=EN).get_data(as_text=True)
    assert f'data-now-url="/reviewer/rounds/{rnd.id}/roadshow/now.json"' in page
    assert f'data-current="{order[0]}"' in page and "js/roadshow.js" in page
    auth.logout()
    auth.login("admin@example.org")
    auth.post(f"/admin/rounds/{rnd.id}/roadshow/next")
    auth.logout()
    auth.login("j1@expert.example")
    assert client.get(f"/reviewer/rounds/{rnd.id}/roadshow/now.json").get_json() == {"current": order[1]}
