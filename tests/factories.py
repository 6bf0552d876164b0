"""Test data builders: committed rows with sensible defaults, overridable by keyword."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from grants.extensions import db
from grants.models import (
    BudgetCategory,
    BudgetLine,
    Category,
    District,
    Organization,
    OrgType,
    Proposal,
    ProposalStatus,
    Rating,
    Role,
    Round,
    User,
    utcnow,
)
from grants.platform import passwords
from grants.rules import uscc

PASSWORD = "Correct-Horse-Battery-9"  # noqa: S105
_HASH = None
_seq = itertools.count(1)


def password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = passwords.hash_password(PASSWORD)
    return _HASH


def valid_uscc(n: int, type_code: str = "2") -> str:
    return uscc.make(f"5{type_code}441302MJ{n:06d}X")


def _in_context(method):
    """Run a factory in its own app context; the returned row is loaded and detached."""

    def wrapper(self, *args, **kwargs):
        with self.app.app_context():
            obj = method(self, *args, **kwargs)
            db.session.refresh(obj)
            for name in getattr(obj, "_eager", ()):
                getattr(obj, name)
            db.session.expunge(obj)
            return obj

    return wrapper


#: The default categories' names in the other languages (Category.labels["name"]).
CATEGORY_LABELS = {
    "婦女發展": {"zh_Hans": "妇女发展", "en": "Women's development"},
    "兒童關愛": {"zh_Hans": "儿童关爱", "en": "Child care"},
    "家庭建設": {"zh_Hans": "家庭建设", "en": "Family building"},
    "婦兒維權": {"zh_Hans": "妇女儿童维权", "en": "Rights of women and children"},
}

class Factory:
    def __init__(self, app):
        self.app = app

    @_in_context
    def organization(self, **kw) -> Organization:
        n = next(_seq)
        org = Organization(
            name=kw.pop("name", f"測試社會組織{n}"),
            uscc=kw.pop("uscc", valid_uscc(n)),
            org_type=kw.pop("org_type", OrgType.social_service),
            registered_on=kw.pop("registered_on", date(2018, 3, 1)),
            rating=kw.pop("rating", Rating.a3),
            address=kw.pop("address", "惠州市惠城區測試路1號"),
            district=kw.pop("district", District.huicheng),
            contact_name=kw.pop("contact_name", f"聯絡人{n}"),
            contact_phone=kw.pop("contact_phone", "13800000000"),
            contact_email=kw.pop("contact_email", f"org{n}@example.org"),
            **kw,
        )
        db.session.add(org)
        db.session.commit()
        return org

    @_in_context
    def user(self, role: Role = Role.applicant, **kw) -> User:
        n = next(_seq)
        if role == Role.applicant and "organization" not in kw and "organization_id" not in kw:
            kw["organization_id"] = self.organization().id
        if "organization" in kw:
            kw["organization_id"] = kw.pop("organization").id
        user = User(
            email=kw.pop("email", f"{role.value}{n}@example.org"),
            name=kw.pop("name", f"{role.value} {n}"),
            role=role,
            password_hash=kw.pop("password_hash", password_hash()),
            **kw,
        )
        db.session.add(user)
        db.session.commit()
        return user

    @_in_context
    def round(self, **kw) -> Round:
        now = utcnow()
        edition = kw.pop("edition", next(_seq))
        # the labels in all three languages, as an admin enters them (pages must show the reader's)
        labels = {}
        if "name" not in kw:
            labels["name"] = {"zh_Hans": f"第{edition}届红紫荆妇女儿童公益项目创投活动",
                              "en": f"Red Bauhinia Women and Children Venture Philanthropy, edition {edition}"}
        if "issuer" not in kw:
            labels["issuer"] = {"zh_Hans": "惠州市妇女联合会", "en": "Huizhou Women's Federation"}
        rnd = Round(
            edition=edition,
            labels=kw.pop("labels", labels),
            name=kw.pop("name", f"第{edition}屆紅紫荊婦女兒童公益項目創投活動"),
            issuer=kw.pop("issuer", "惠州市婦女聯合會"),
            funding_pool=kw.pop("funding_pool", Decimal("2700000")),
            project_cap=kw.pop("project_cap", Decimal("200000")),
            call_opens_at=kw.pop("call_opens_at", now - timedelta(days=10)),
            call_closes_at=kw.pop("call_closes_at", now + timedelta(days=10)),
            categories=kw.pop("categories", None) or [
                Category(name=name, position=i, labels={"name": CATEGORY_LABELS[name]})
                for i, name in enumerate(["婦女發展", "兒童關愛", "家庭建設", "婦兒維權"])
            ],
            **kw,
        )
        db.session.add(rnd)
        db.session.commit()
        return rnd

    @_in_context
    def proposal(self, round_id: int, organization_id: int | None = None, **kw) -> Proposal:
        """A complete proposal (submitted unless ``status`` says otherwise) with two budget lines."""
        n = next(_seq)
        rnd = db.session.get(Round, round_id)
        if organization_id is None:
            org = Organization(
                name=f"申報機構{n}", uscc=valid_uscc(n), org_type=OrgType.social_service,
                registered_on=date(2017, 1, 1), rating=Rating.a3, address="惠州市惠城區1號",
                district=District.huicheng, contact_name=f"申報聯絡人{n}", contact_phone="13800000001",
                contact_email=f"applicant{n}@example.org",
            )
            db.session.add(org)
            db.session.flush()
            organization_id = org.id
        status = kw.pop("status", ProposalStatus.submitted)
        requested = Decimal(kw.pop("requested", "100000"))
        matching = Decimal(kw.pop("matching_funds", "20000"))
        proposal = Proposal(
            round_id=round_id,
            organization_id=organization_id,
            category_id=kw.pop("category_id", rnd.categories[0].id),
            name=kw.pop("name", f"守護花蕾計劃{n}"),
            districts=kw.pop("districts", ["huicheng"]),
            target_groups=kw.pop("target_groups", ["children"]),
            beneficiaries=kw.pop("beneficiaries", 500),
            need=kw.pop("need", "留守兒童缺乏陪伴與安全教育。"),
            objectives=kw.pop("objectives", "為 500 名兒童提供安全教育。"),
            risks=kw.pop("risks", "天氣影響戶外活動：改為室內。"),
            requested=requested,
            matching_funds=matching,
            budget_total=requested + matching,
            status=status,
            number=kw.pop("number", f"HZ-T-{n:05d}" if status != ProposalStatus.draft else None),
            blind_code=kw.pop("blind_code", f"P-{n:04d}"),
            submitted_at=kw.pop("submitted_at", utcnow() if status != ProposalStatus.draft else None),
            budget_lines=[
                BudgetLine(position=0, category=BudgetCategory.activities, item="活動物資", unit_price=requested,
                           quantity=Decimal(1), subtotal=requested),
                BudgetLine(position=1, category=BudgetCategory.personnel, item="配套人員", unit_price=matching,
                           quantity=Decimal(1), subtotal=matching),
            ],
            **kw,
        )
        db.session.add(proposal)
        db.session.commit()
        return proposal
