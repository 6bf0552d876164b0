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
