"""Unified Social Credit Code (統一社會信用代碼), GB 32100-2015. Pure Python.

18 characters from a 31-symbol alphabet (digits and capitals without I, O, Z, S, V):
1 registration authority (5 = civil affairs, the NGOs this platform serves), 2 organization
type (51 社會團體, 52 民辦非企業單位 / 社會服務機構, 53 基金會), 3-8 the administrative division,
9-17 the organization code, 18 a check character over the first 17.
"""

from __future__ import annotations

import enum
import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_SHAPE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{18}$")

CIVIL_AFFAIRS_TYPES = {"1": "social_group", "2": "social_service", "3": "foundation", "9": "other"}


class UsccProblem(enum.StrEnum):
    length = "length"
    characters = "characters"
    checksum = "checksum"
    not_civil_affairs = "not_civil_affairs"


def normalize(code: str) -> str:
    return (code or "").strip().upper().replace(" ", "")


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str, *, require_civil_affairs: bool = True) -> UsccProblem | None:
    """The first thing wrong with ``code`` (already normalized), or None when it is valid."""
    if len(code) != 18:
        return UsccProblem.length
    if not _SHAPE.match(code):
        return UsccProblem.characters
    if check_character(code[:17]) != code[17]:
        return UsccProblem.checksum
    if require_civil_affairs and code[0] != "5":
        return UsccProblem.not_civil_affairs
    return None


def org_type_hint(code: str) -> str | None:
    """The organization type that a civil-affairs code's second character declares."""
    if len(code) == 18 and code[0] == "5":
        return CIVIL_AFFAIRS_TYPES.get(code[1])
    return None


def make(prefix17: str) -> str:
    """Complete 17 characters with their check character (used by demo data and tests)."""
    prefix17 = normalize(prefix17)
    if len(prefix17) != 17 or any(c not in _VALUE for c in prefix17):
        raise ValueError("need 17 characters of the USCC alphabet")
    return prefix17 + check_character(prefix17)
