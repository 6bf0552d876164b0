"""Test data builders: committed rows with sensible defaults, overridable by keyword."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from grants import passwords, uscc
from grants.extensions import db
from grants.models import Category, District, Organization, OrgType, Rating, Role, Round, User, utcnow

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
        rnd = Round(
            edition=edition,
            name=kw.pop("name", f"第{edition}屆紅紫荊婦女兒童公益項目創投活動"),
            issuer=kw.pop("issuer", "惠州市婦女聯合會"),
            funding_pool=kw.pop("funding_pool", Decimal("2700000")),
            project_cap=kw.pop("project_cap", Decimal("200000")),
            call_opens_at=kw.pop("call_opens_at", now - timedelta(days=10)),
            call_closes_at=kw.pop("call_closes_at", now + timedelta(days=10)),
            categories=kw.pop("categories", None) or [
                Category(name=name, position=i) for i, name in enumerate(["婦女發展", "兒童關愛", "家庭建設", "婦兒維權"])
            ],
            **kw,
        )
        db.session.add(rnd)
        db.session.commit()
        return rnd
