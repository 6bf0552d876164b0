"""Password hashing with argon2id and the password policy.

Parameters: argon2id, m = 19 MiB, t = 2, p = 1 — the OWASP / ASVS 5.0 minimum
(Appendix C: "argon2id with a minimum of 19 MiB of memory, an iteration count of 2 and 1 degree
of parallelism"), 16-byte salt, 32-byte hash.

The test suite alone hashes with argon2id at a trivial cost (``PASSWORD_HASH_FAST_FOR_TESTS``,
honoured only when ``TESTING`` is on): thousands of sign-ins at the real cost were minutes of the
suite. ``tests/unit/test_passwords.py`` keeps the production parameters pinned.
"""

from __future__ import annotations

import functools
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context

MIN_LENGTH = 8
MAX_LENGTH = 128

hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
# Tests only (see the module's docstring): argon2id still, at the library's lowest cost.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
# Verifying against these keeps the time of a login for an unknown account the same as a known one.
_DUMMY_HASH = hasher.hash("not-a-real-password-for-timing")
_TEST_DUMMY_HASH = _test_hasher.hash("not-a-real-password-for-timing")


def _current() -> PasswordHasher:
    if has_app_context() and current_app.config.get("TESTING") and current_app.config.get("PASSWORD_HASH_FAST_FOR_TESTS"):
        return _test_hasher
    return hasher


def hash_password(password: str) -> str:
    return _current().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    current = _current()
    dummy = _TEST_DUMMY_HASH if current is _test_hasher else _DUMMY_HASH
    try:
        return current.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _current().check_needs_rehash(stored_hash)


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("grants.platform.data").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def policy_problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """``None`` when acceptable, else a code: too_short, too_long, common, personal."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in common_passwords():
        return "common"
    for value in user_inputs:
        if value and len(value) >= 4 and value.lower() in lowered:
            return "personal"
    return None
