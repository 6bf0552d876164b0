"""The home page shows each round's status and how to apply."""

from __future__ import annotations

from datetime import timedelta

from grants.models import PublicationStatus, Role, utcnow

EN = {"Accept-Language": "en"}


def test_each_round_shows_its_status_and_how_to_apply(app, client, make):
    from tests.publication.test_publication_support import direct_publication

    now = utcnow()
    upcoming = make.round(name="Upcoming round", call_opens_at=now + timedelta(days=3), call_closes_at=now + timedelta(days=30))
    open_ = make.round(name="Open round", max_proposals_per_org=2)
    closed = make.round(name="Closed round", call_opens_at=now - timedelta(days=30), call_closes_at=now - timedelta(days=2))
    noticed = make.round(name="Noticed round", call_opens_at=now - timedelta(days=60), call_closes_at=now - timedelta(days=40))
    final = make.round(name="Final round", call_opens_at=now - timedelta(days=90), call_closes_at=now - timedelta(days=80))
    direct_publication(app, noticed.id)
    direct_publication(app, final.id, status=PublicationStatus.final)
    html = client.get("/", headers=EN).get_data(as_text=True)

    def card(name):
        return html.split(name, 1)[1].split('<li class="card">', 1)[0]

    assert 'data-status="upcoming"' in card("Upcoming round") and "How to apply" in card("Upcoming round")
    c = card("Open round")
    assert 'data-status="open"' in c and "Open for proposals" in c and "How to apply" in c
    assert "At most 2 proposals per organization" in c and "Registration certificate" in c
    assert 'href="/register"' in c
    assert 'data-status="reviewing"' in card("Closed round") and "How to apply" not in card("Closed round")
    assert 'data-status="notice"' in card("Noticed round") and f'/results/{noticed.id}' in card("Noticed round")
    assert 'data-status="final"' in card("Final round")
    assert f"/results/{closed.id}" not in html and f"/results/{upcoming.id}" not in html  # nothing to show yet
    assert open_.id and final.id


def test_an_older_edition_decided_before_publications_were_recorded_is_final(app, client, make):
    from grants.models import ProposalStatus

    now = utcnow()
    old = make.round(name="Old round", call_opens_at=now - timedelta(days=400), call_closes_at=now - timedelta(days=380))
    make.proposal(old.id, status=ProposalStatus.awarded)
    html = client.get("/", headers=EN).get_data(as_text=True)
    card = html.split("Old round", 1)[1]
    assert 'data-status="final"' in card and f"/results/{old.id}" not in html


def test_a_signed_in_ngo_is_led_to_its_proposals(app, client, auth, make):
    make.round(name="Open round")
    make.user(Role.applicant, email="ngo@example.org")
    auth.login("ngo@example.org")
    html = client.get("/", headers=EN).get_data(as_text=True)
    assert 'href="/applicant/"' in html and "Start or continue a proposal" in html
