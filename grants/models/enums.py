"""Enumerations stored by code; their labels are translated in the UI (grants/labels.py)."""

import enum


class Role(enum.StrEnum):
    applicant = "applicant"
    reviewer = "reviewer"
    admin = "admin"


class OrgType(enum.StrEnum):
    social_group = "social_group"  # 社會團體
    social_service = "social_service"  # 社會服務機構 (民辦非企業單位)
    foundation = "foundation"  # 基金會


class Rating(enum.StrEnum):
    none = "none"
    a1 = "1A"
    a2 = "2A"
    a3 = "3A"
    a4 = "4A"
    a5 = "5A"


class District(enum.StrEnum):
    huicheng = "huicheng"  # 惠城區
    huiyang = "huiyang"  # 惠陽區
    boluo = "boluo"  # 博羅縣
    huidong = "huidong"  # 惠東縣
    longmen = "longmen"  # 龍門縣
    dayawan = "dayawan"  # 大亞灣經濟技術開發區
    zhongkai = "zhongkai"  # 仲愷高新技術產業開發區


class ProposalStatus(enum.StrEnum):
    draft = "draft"  # 草稿
    submitted = "submitted"  # 已提交, waiting for screening
    returned = "returned"  # 退回補充材料
    withdrawn = "withdrawn"  # 已撤回
    rejected = "rejected"  # 資格審查不通過
    eligible = "eligible"  # 資格審查通過 → expert review
    shortlisted = "shortlisted"  # 入圍路演
    awarded = "awarded"  # 立項
    not_awarded = "not_awarded"  # 未獲資助


class ScreeningOutcome(enum.StrEnum):
    passed = "pass"
    returned = "return"
    rejected = "reject"


class BudgetCategory(enum.StrEnum):
    personnel = "personnel"
    activities = "activities"
    materials = "materials"
    publicity = "publicity"
    administration = "administration"
    other = "other"


class AttachmentKind(enum.StrEnum):
    registration_certificate = "registration_certificate"  # 登記證書
    annual_report = "annual_report"  # 年檢報告或財務報告
    other = "other"


class Stage(enum.StrEnum):
    written = "written"  # 專家書面評審
    roadshow = "roadshow"  # 路演


class ReviewStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"


class PublicationStatus(enum.StrEnum):
    rendering = "rendering"
    notice = "notice"  # 公示中
    failed = "failed"
    final = "final"  # 立項


class ObjectionStatus(enum.StrEnum):
    open = "open"
    investigating = "investigating"
    upheld = "upheld"
    dismissed = "dismissed"
