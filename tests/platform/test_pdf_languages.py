"""Every PDF type in every language, read back: the right script, the matching face, plain numbers,
links from the configured public address.

Personal documents (proposal, score sheet, review summary, roadshow score sheet) follow the
READER's language (here: the language chosen in the session); official documents (notice list,
final list, roadshow order) follow the round's ``official_language``. Names typed by users are
the allow-list: they are removed from the text before the script checks, since a Traditional
name stays Traditional in a Simplified document.

One test per language renders all seven types (WeasyPrint is the slow part: ~1 s a document).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import opencc
import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import (
    Category,
    ProposalStatus,
    Publication,
    Review,
    ReviewStatus,
    RoadshowSlot,
    Role,
    Round,
    RubricVersion,
    Stage,
    utcnow,
)
from grants.rules import rubric
from tests.pdfs import font_names, text_of
from tests.publication.test_publication_support import add_awards, add_reviews, direct_publication
from tests.review.test_review_support import assign

PUBLIC = "https://grants.example.cn"
T2S = opencc.OpenCC("t2s")
#: CJK punctuation and full-width forms (，。：；（）「」、 …) that an English document must not print.
CJK_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef]")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
EXPONENT = re.compile(r"\d(?:\.\d+)?E[+-]?\d")

# Names typed by users (the allow-list), in Simplified Chinese so the zh_Hans check can be strict
# about everything else; one Traditional name shows that names are left as typed.
ROUND_NAME = "第九届红紫荆妇女儿童公益项目创投活动"
ISSUER = "惠州市妇女联合会"
CATEGORIES = ["妇女发展", "儿童关爱"]
PROJECTS = [("阳光妇女就业支持计划", 0, 1, "92.35", "150000"), ("留守儿童安全教育行动", 1, 2, "90.125", "120000.50"),
            ("家庭和谐亲子成长营", 0, 3, "88.5", "80000")]
REVIEWERS = ["林秀梅", "王建国"]
COMMENTS = ["需求调研扎实，数据翔实。", "活动设计可再细化。"]
JUDGE = "赵志明"
ORG = "惠州市惠城区阳光妇女儿童服务中心"


def _user_strings(app, round_id: int) -> list[str]:
    """Everything users typed that a document may print (names, addresses, the proposal's texts)."""
    from grants.models import Organization, Proposal, User

    with app.app_context():
        out = [ROUND_NAME, ISSUER, *CATEGORIES, *COMMENTS, JUDGE]
        for pub in db.session.scalars(select(Publication).where(Publication.round_id == round_id)):
            out += [r[k] for r in pub.rows for k in ("project", "organization", "category")]
        for p in db.session.scalars(select(Proposal).where(Proposal.round_id == round_id)):
            out += [p.name, p.number or "", p.need, p.objectives, p.risks]
            out += [a.activity for a in p.activities] + [a.output for a in p.activities]
            out += [o.indicator for o in p.outcomes] + [o.target for o in p.outcomes] + [o.measure for o in p.outcomes]
            out += [b.item for b in p.budget_lines]
            out += [t.name for t in p.team] + [t.role for t in p.team] + [t.qualification for t in p.team]
        for org in db.session.scalars(select(Organization)):
            out += [org.name, org.address, org.contact_name, org.contact_email]
        out += [u.name for u in db.session.scalars(select(User))]
    return sorted({re.sub(r"\s+", "", s) for s in out if s}, key=len, reverse=True)


def _without(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, " ")
    return text


@pytest.fixture
def world(app, make, client, auth):
    """A round with three awarded proposals, two written reviews of the first, a published notice,
    a drawn roadshow with one judge's submitted sheet; the users who read each document."""
    app.config["PUBLIC_BASE_URL"] = PUBLIC + "/"
    rnd = make.round(name=ROUND_NAME, issuer=ISSUER,
                     categories=[Category(name=n, position=i) for i, n in enumerate(CATEGORIES)],
                     roadshow_seed="5eed5eed5eed5eed")
    ids = add_awards(make, app, rnd, PROJECTS)
    add_reviews(make, app, ids[0], REVIEWERS, [{"need": "18", "design": "20"}, {"need": "15", "design": "21"}],
                [{"need": COMMENTS[0]}, {"design": COMMENTS[1]}], rnd.id)
    judge = make.user(Role.reviewer, name=JUDGE, email="judge@example.org")
    with app.app_context():
        from grants.models import Assignment, Proposal

        first = db.session.get(Proposal, ids[0])
        owner_org = first.organization
        owner_org.name = ORG
        first.status = ProposalStatus.shortlisted
        for position, pid in enumerate(ids, start=1):
            db.session.add(RoadshowSlot(round_id=rnd.id, proposal_id=pid, position=position))
        db.session.add(Assignment(round_id=rnd.id, proposal_id=ids[0], reviewer_id=judge.id, stage=Stage.roadshow))
        definition = rubric.rubric_to_dict(rubric.default_roadshow_rubric())
        rv = RubricVersion(round_id=rnd.id, stage=Stage.roadshow, version=1, definition=definition)
        db.session.add(rv)
        db.session.flush()
        scores = {c["key"]: str(int(Decimal(str(c["max_points"])) * 3 / 4)) for c in definition["criteria"]}
        db.session.add(Review(proposal_id=ids[0], reviewer_id=judge.id, stage=Stage.roadshow, rubric_version_id=rv.id,
                              scores=scores, comments={}, veto_answers={}, bonus={},
                              total=sum((Decimal(v) for v in scores.values()), Decimal(0)),
                              status=ReviewStatus.submitted, submitted_at=utcnow() - timedelta(hours=1)))
        written = db.session.scalars(select(Review).where(Review.proposal_id == ids[0],
                                                          Review.stage == Stage.written)).first()
        db.session.commit()
        reviewer_email, reviewer_id = written.reviewer.email, written.reviewer_id
        org_id = owner_org.id
    assign(app, ids[0], reviewer_id, rnd.id, declared=False)
    pub_id = direct_publication(app, rnd.id)  # the rows are frozen with the names as they are now
    owner = make.user(Role.applicant, email="owner@example.org", name="陈美玲", organization_id=org_id)
    make.user(Role.admin, email="admin@example.org", name="管理员")
    return {"round": rnd.id, "proposals": ids, "publication": pub_id, "owner": owner.email,
            "reviewer": reviewer_email, "judge": judge.email, "admin": "admin@example.org"}


def _as(client, auth, email: str, lang: str, url: str) -> bytes:
    auth.logout()
    assert auth.login(email).status_code == 302
    with client.session_transaction() as session:
        session["lang"] = lang
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf", (url, response.status_code)
    return response.data


def _official(app, round_id: int, publication_id: int, lang: str) -> dict[str, bytes]:
    """The notice and final lists of the round, its official language set to ``lang``."""
    from grants.publication import award_list
    from grants.publication import operations as ops

    out = {}
    with app.test_request_context():
        rnd = db.session.get(Round, round_id)
        rnd.official_language = lang
        db.session.commit()
        pub = db.session.get(Publication, publication_id)
        for kind, title in (("notice list", ops.NOTICE_TITLE), ("final list", ops.FINAL_TITLE)):
            spec = ops.render_spec(rnd, title=title, day=utcnow().date(), rows=pub.rows, audit_head="ab" * 32)
            context = ops.list_context(spec, ops.verify_base_url())
            assert context["verify_url"].startswith(f"{PUBLIC}/verify?code=")
            out[kind] = award_list.render_award_list(context, workers=1)
    return out


@pytest.mark.parametrize("lang", ["zh_Hant", "zh_Hans", "en"])
def test_every_pdf_in_the_readers_or_the_rounds_language(app, client, auth, world, lang):
    rid, pids = world["round"], world["proposals"]
    docs = {
        "proposal": _as(client, auth, world["owner"], lang, f"/applicant/proposals/{pids[0]}/pdf"),
        "review summary": _as(client, auth, world["owner"], lang, f"/applicant/proposals/{pids[0]}/review-summary.pdf"),
        "score sheet": _as(client, auth, world["reviewer"], lang, f"/reviewer/proposals/{pids[0]}/score-sheet.pdf"),
        "roadshow sheet": _as(client, auth, world["judge"], lang, f"/reviewer/rounds/{rid}/roadshow/{pids[0]}/sheet.pdf"),
    }
    # official documents: the round's language, whatever the reader's (here the admin reads zh_Hant)
    with app.app_context():
        db.session.get(Round, rid).official_language = lang
        db.session.commit()
    docs["roadshow order"] = _as(client, auth, world["admin"], "zh_Hant", f"/admin/rounds/{rid}/roadshow/order.pdf")
    docs.update(_official(app, rid, world["publication"], lang))

    names = _user_strings(app, rid)
    expected_face = {"zh_Hant": "CJK-TC", "zh_Hans": "CJK-SC", "en": "DejaVu"}[lang]
    other_faces = {"zh_Hant": ("CJK-SC",), "zh_Hans": ("CJK-TC",), "en": ("CJK-TC",)}[lang]
    footer = {"zh_Hant": "第1頁，共1頁", "zh_Hans": "第1页，共1页", "en": "Page1of1"}[lang]
    for kind, data in docs.items():
        text = text_of(data, squash=True)
        fonts = font_names(data)
        assert any(expected_face in f for f in fonts), (kind, fonts)
        assert not any(o in f for f in fonts for o in other_faces), (kind, fonts)
        if lang == "en":  # a Latin face first; CJK only as the fallback for the names
            assert not any("CJK" in f for f in fonts) or any("CJK-SC" in f for f in fonts), (kind, fonts)
        assert not EXPONENT.search(text), (kind, EXPONENT.search(text))
        assert "127.0.0.1" not in text and "localhost" not in text, kind
        assert (footer in text) or kind == "proposal", (kind, text[-60:])
        rest = _without(text, names)
        if lang == "zh_Hans":
            traditional = sorted({ch for ch in rest if T2S.convert(ch) != ch})
            assert not traditional, (kind, traditional, rest[:300])
        elif lang == "en":
            assert not CJK_PUNCTUATION.search(rest), (kind, CJK_PUNCTUATION.findall(rest), rest[:300])
            assert not CJK.search(rest), (kind, CJK.findall(rest)[:20], rest[:300])
        else:  # zh_Hant: the words are Traditional (a character Simplified Chinese writes differently)
            assert any(T2S.convert(ch) != ch for ch in rest), (kind, rest[:200])

    lists = {k: text_of(docs[k], squash=True) for k in ("notice list", "final list")}
    assert all(f"{PUBLIC}/verify?code=".replace("/", "") in t.replace("/", "") for t in lists.values())
    sheet = text_of(docs["score sheet"], squash=True)
    assert "/100" in sheet and "/105" not in sheet  # the form's maximum, bonus points on top
