"""Configuration: defaults, then the environment, then an explicit mapping (tests)."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105  (refused in production, see check_production)
#: Where a development server listens; the default of PUBLIC_BASE_URL, refused in production.
DEV_PUBLIC_BASE_URL = "http://127.0.0.1:5000"
LOGGER = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen mode."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def defaults(instance_path: str) -> dict:
    return {
        "ENV_NAME": "development",
        "SECRET_KEY": DEV_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "grants.sqlite"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "UPLOAD_FOLDER": os.path.join(instance_path, "uploads"),
        "PDF_FOLDER": os.path.join(instance_path, "pdfs"),
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,  # a 10 MB file plus the form around it
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        "BABEL_DEFAULT_LOCALE": "zh_Hant",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ("zh_Hant", "zh_Hans", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "SESSION_IDLE_TIMEOUT": timedelta(hours=2),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=12),
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_SENDER": "noreply@grants.invalid",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        # failed sign-ins: per account, and per client address (a cool-down, never a permanent lock-out)
        "LOGIN_LIMIT_PER_ACCOUNT": "10 per 5 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "50 per 5 minutes",
        # The site's address as its users reach it: every absolute link in a mail or a PDF (the
        # lists' verification QR code) is built from it, never from the request's host.
        "PUBLIC_BASE_URL": DEV_PUBLIC_BASE_URL,
        "RESET_LIMIT_PER_ACCOUNT": "3 per hour",  # password-reset mails to one address
        "RESET_LIMIT_PER_ADDRESS": "10 per hour",  # reset requests from one IP address
        # The test suite only: argon2id at a trivial cost (grants.platform.passwords); ignored unless TESTING.
        "PASSWORD_HASH_FAST_FOR_TESTS": False,
    }


def from_environment() -> dict:
    env = os.environ
    out: dict = {}
    if "GRANTS_ENV" in env:
        out["ENV_NAME"] = env["GRANTS_ENV"]
    if "SECRET_KEY" in env:
        out["SECRET_KEY"] = env["SECRET_KEY"]
    if "DATABASE_URL" in env:
        out["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    for key in ("UPLOAD_FOLDER", "PDF_FOLDER", "MAIL_SERVER", "MAIL_SENDER", "PUBLIC_BASE_URL"):
        if key in env:
            out[key] = env[key]
    if "MAIL_PORT" in env:
        out["MAIL_PORT"] = int(env["MAIL_PORT"])
    if "GRANTS_QUEUE_URL" in env:
        out["QUEUE_URL"] = env["GRANTS_QUEUE_URL"]
    for key in ("JOBS_STALE_SECONDS", "JOBS_LOST_SECONDS", "JOBS_HEARTBEAT_SECONDS"):
        if key in env:
            out[key] = int(env[key])
    if "JOBS_BACKOFF_SCALE" in env:
        out["JOBS_BACKOFF_SCALE"] = float(env["JOBS_BACKOFF_SCALE"])
    if "REDIS_URL" in env:
        out["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
    if "RATELIMIT_STORAGE_URI" in env:
        out["RATELIMIT_STORAGE_URI"] = env["RATELIMIT_STORAGE_URI"]
    if "FLASK_DEBUG" in env:
        out["DEBUG"] = _bool(env["FLASK_DEBUG"])
    if out.get("ENV_NAME") == "production":
        out.setdefault("SESSION_COOKIE_SECURE", True)
    return out


def check_production(config) -> None:
    """Refuse to start in production with development settings."""
    if config.get("ENV_NAME") != "production":
        return
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY or len(config["SECRET_KEY"]) < 32:
        raise ConfigError("Production needs SECRET_KEY set to a random value of at least 32 characters.")
    if config.get("DEBUG"):
        raise ConfigError("Production must not run with debug on (unset FLASK_DEBUG).")
    if not config.get("SESSION_COOKIE_SECURE"):
        raise ConfigError("Production needs SESSION_COOKIE_SECURE (HTTPS).")
    check_public_base_url(config.get("PUBLIC_BASE_URL"))


def check_public_base_url(value) -> None:
    """Production: PUBLIC_BASE_URL must be set to the site's own absolute address.

    Refused (``ConfigError``): unset, the development default, not an absolute http(s) URL, or
    with a query or fragment -- a PDF printed with it would carry a dead verification link for
    ever. Warned about in the log: plain http or a loopback host (a local trial of the
    production setup, e.g. ``scripts/serve-prod.sh``).
    """
    hint = "Set PUBLIC_BASE_URL to the address the public uses, e.g. https://grants.example.org"
    if not value or value.rstrip("/") == DEV_PUBLIC_BASE_URL:
        raise ConfigError(f"Production needs PUBLIC_BASE_URL (links and QR codes on PDFs and in mails). {hint}.")
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_BASE_URL {value!r} is not an absolute http(s) address. {hint}.")
    if parts.scheme != "https" or parts.hostname in ("localhost", "127.0.0.1", "::1", "0.0.0.0"):  # noqa: S104  # nosec B104 (a comparison, no bind)
        LOGGER.warning("PUBLIC_BASE_URL is %s: PDFs and mails will link there; the public needs an https "
                       "address it can reach.", value)
