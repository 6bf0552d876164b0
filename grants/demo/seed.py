"""Demo data: the 8th Red Bauhinia round, 12 NGOs, 8 reviewers and an admin."""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Category,
    District,
    Organization,
    OrgType,
    Rating,
    ReviewerAffiliation,
    Role,
    Round,
    User,
    utcnow,
)
from grants.platform import localtime, passwords
from grants.rules import uscc

ADMIN_EMAIL = "admin@fulian.demo"
ADMIN_PASSWORD = "Hongzijing-admin-2026"  # noqa: S105  (demo data, printed to the person who seeds it)
NGO_PASSWORD = "Hongzijing-ngo-2026"  # noqa: S105
REVIEWER_PASSWORD = "Hongzijing-review-2026"  # noqa: S105

CATEGORIES = [("婦女發展", Decimal("800000")), ("兒童關愛", Decimal("800000")),
              ("家庭建設", Decimal("600000")), ("婦兒維權", Decimal("500000"))]
# The categories' names in the other languages (Category.labels["name"]).
CATEGORY_LABELS = {
    "婦女發展": {"zh_Hans": "妇女发展", "en": "Women's development"},
    "兒童關愛": {"zh_Hans": "儿童关爱", "en": "Child care"},
    "家庭建設": {"zh_Hans": "家庭建设", "en": "Family building"},
    "婦兒維權": {"zh_Hans": "妇女儿童维权", "en": "Rights of women and children"},
}
ISSUER_LABELS = {"zh_Hans": "惠州市妇女联合会", "en": "Huizhou Women's Federation"}
DESCRIPTION = "面向全市社會組織徵集婦女兒童公益項目，經資格審查、專家評審及路演答辯，擇優資助。"
DESCRIPTION_LABELS = {
    "zh_Hans": "面向全市社会组织征集妇女儿童公益项目，经资格审查、专家评审及路演答辩，择优资助。",
    "en": "Public-welfare projects for women and children, proposed by the city's social organizations, "
          "screened, reviewed by experts and pitched at a roadshow; the best are funded.",
}
ORDINALS_EN = {1: "1st", 2: "2nd", 3: "3rd"}


def round_labels(edition: int, numeral: str) -> dict:
    """A demo round's name, issuer and description in Simplified Chinese and English."""
    return {
        "name": {"zh_Hans": f"第{numeral}届红紫荆妇女儿童公益项目创投活动",
                 "en": f"{ORDINALS_EN.get(edition, f'{edition}th')} Red Bauhinia Women and Children "
                       "Venture Philanthropy Programme"},
        "issuer": dict(ISSUER_LABELS),
        "description": dict(DESCRIPTION_LABELS),
    }

# (name, type code, district, rating, contact)
NGOS = [
    ("惠州市惠城區陽光婦女兒童服務中心", "2", District.huicheng, Rating.a4, "陳美玲"),
    ("惠州市惠陽區啟航社會工作服務中心", "2", District.huiyang, Rating.a3, "李曉紅"),
    ("博羅縣春暉家庭綜合服務中心", "2", District.boluo, Rating.a3, "張秀英"),
    ("惠東縣海濱婦女互助協會", "1", District.huidong, Rating.none, "黃麗華"),
    ("龍門縣山區留守兒童關愛協會", "1", District.longmen, Rating.a2, "劉志強"),
    ("大亞灣區和諧家庭促進會", "1", District.dayawan, Rating.a3, "吳淑芬"),
    ("仲愷高新區新市民婦女服務中心", "2", District.zhongkai, Rating.a4, "周靜"),
    ("惠州市紅紫荊公益基金會", "3", District.huicheng, Rating.a5, "鄭文華"),
    ("惠州市心語心理健康服務中心", "2", District.huicheng, Rating.a3, "孫佳怡"),
    ("惠陽區巾幗創業促進會", "1", District.huiyang, Rating.a2, "馬麗娟"),
    ("博羅縣羅浮山兒童成長服務中心", "2", District.boluo, Rating.none, "朱小燕"),
    ("惠州市婦女兒童權益法律援助中心", "2", District.huicheng, Rating.a4, "何永康"),
]
DIVISION = {
    District.huicheng: "441302", District.huiyang: "441303", District.boluo: "441322",
    District.huidong: "441323", District.longmen: "441324", District.dayawan: "441305",
    District.zhongkai: "441306",
}
TYPE = {"1": OrgType.social_group, "2": OrgType.social_service, "3": OrgType.foundation}

REVIEWERS = [
    ("林教授", "教授", "惠州學院社會工作系", "社會工作, 兒童關愛, 項目評估"),
    ("王主任", "高級社工師", "惠州市社會工作協會", "社會工作, 婦女發展"),
    ("趙會計師", "註冊會計師", "惠州正信會計師事務所", "財務, 預算審核"),
    ("錢律師", "律師", "廣東惠信律師事務所", "婦兒維權, 法律"),
    ("孫研究員", "副研究員", "惠州市婦女兒童發展研究中心", "婦女發展, 家庭建設"),
    ("周老師", "副教授", "惠州城市職業學院", "家庭建設, 兒童關愛"),
    ("吳督導", "社工督導", "深圳市龍祥社工服務中心", "社會工作, 項目管理"),
    ("鄭醫生", "主任醫師", "惠州市婦幼保健院", "婦女健康, 兒童關愛"),
]


def demo_uscc(index: int, type_code: str, district: District) -> str:
    org_code = f"MJL{index:05d}"  # 8 characters of the organization code, then its check character
    return uscc.make(f"5{type_code}{DIVISION[district]}{org_code}X")


def seed(now: datetime | None = None) -> dict:
    """Fill an empty database; returns the logins. Refuses to run twice."""
    if db.session.scalar(select(func.count(User.id))):
        raise RuntimeError("the database already has users; demo data goes only into an empty database")
    now = now or utcnow()
    pw_admin = passwords.hash_password(ADMIN_PASSWORD)
    pw_ngo = passwords.hash_password(NGO_PASSWORD)
    pw_rev = passwords.hash_password(REVIEWER_PASSWORD)

    year = localtime.local_date(now).year
    rnd = Round(
        edition=8,
        name="第八屆紅紫荊婦女兒童公益項目創投活動",
        issuer="惠州市婦女聯合會",
        description=DESCRIPTION,
        labels=round_labels(8, "八"),
        funding_pool=Decimal("2700000"),
        project_cap=Decimal("200000"),
        max_proposals_per_org=2,
        admin_share_max=Decimal("10"),
        project_start=date(year + 1, 1, 1),
        project_end=date(year + 1, 12, 31),
        call_opens_at=now - timedelta(days=20),
        call_closes_at=now + timedelta(days=10),
        screening_closes_at=now + timedelta(days=17),
        review_opens_at=now + timedelta(days=18),
        review_closes_at=now + timedelta(days=32),
        roadshow_at=now + timedelta(days=40),
        notice_starts_at=now + timedelta(days=45),
        categories=[Category(name=name, quota=quota, position=i, labels={"name": CATEGORY_LABELS[name]})
                    for i, (name, quota) in enumerate(CATEGORIES)],
    )
    db.session.add(rnd)
    admin = User(email=ADMIN_EMAIL, name="婦聯項目部", role=Role.admin, password_hash=pw_admin, password_changed_at=now)
    db.session.add(admin)
    orgs = []
    for i, (name, type_code, district, rating, contact) in enumerate(NGOS, start=1):
        org = Organization(
            name=name,
            uscc=demo_uscc(i, type_code, district),
            org_type=TYPE[type_code],
            registered_on=date(2012 + i % 10, 1 + i % 12, 1 + i % 27),
            rating=rating,
            address=f"惠州市{name[3:6]}路{10 + i}號",
            district=district,
            contact_name=contact,
            contact_phone=f"1390752{i:04d}",
            contact_email=f"ngo{i:02d}@ngo.demo",
        )
        orgs.append(org)
        db.session.add(org)
        db.session.add(User(email=f"ngo{i:02d}@ngo.demo", name=contact, role=Role.applicant, organization=org,
                            password_hash=pw_ngo, password_changed_at=now))
    for i, (name, title, employer, tags) in enumerate(REVIEWERS, start=1):
        reviewer = User(email=f"reviewer{i}@expert.demo", name=name, role=Role.reviewer, title=title,
                        employer=employer, expertise=tags, password_hash=pw_rev, password_changed_at=now)
        if i == 2:  # 王主任 sits on the board of one NGO: a declared affiliation
            reviewer.affiliations = [ReviewerAffiliation(organization=orgs[1], relation="理事")]
        db.session.add(reviewer)
    db.session.flush()
    reviewers = db.session.scalars(select(User).where(User.role == Role.reviewer).order_by(User.id)).all()
    context = {"round": rnd, "organizations": orgs, "reviewers": reviewers, "admin": admin, "now": now}
    for step in DEMO_STEPS:
        module_name, _, function = step.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # that feature's demo data is not written yet
        getattr(module, function)(context)
        db.session.flush()
    return LOGINS


# Later features add their demo data through these, in order: proposals, then reviews, then results.
DEMO_STEPS = ["grants.demo.history:seed", "grants.demo.intake:seed", "grants.demo.reviews:seed", "grants.demo.results:seed",
              "grants.demo.agreements:seed", "grants.demo.outcomes:seed",
              "grants.demo.sanctions:seed"]


LOGINS = {
    "admin": (ADMIN_EMAIL, ADMIN_PASSWORD),
    "ngo": ("ngo01@ngo.demo … ngo12@ngo.demo", NGO_PASSWORD),
    "reviewer": ("reviewer1@expert.demo … reviewer8@expert.demo", REVIEWER_PASSWORD),
}


def print_logins(logins: dict, echo=print) -> None:
    echo("Demo logins (演示帳號):")
    echo(f"  admin     {logins['admin'][0]}  /  {logins['admin'][1]}")
    echo(f"  NGOs      {logins['ngo'][0]}  /  {logins['ngo'][1]}")
    echo(f"  reviewers {logins['reviewer'][0]}  /  {logins['reviewer'][1]}")
