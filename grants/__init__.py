"""紅紫荊創投評審平台: the grant-competition review platform."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from grants import config as config_module

ROOT = Path(__file__).resolve().parent.parent


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling defers it badly).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """SQLite: a request that may write takes the write lock up front (BEGIN IMMEDIATE).

    Two deferred transactions that both read and then write deadlock in SQLite ("database is
    locked" at once, whatever the busy timeout). Taking the lock at BEGIN makes writers queue on
    the busy timeout instead; reads (GET) keep deferred transactions and run alongside in WAL.
    """
    if conn.dialect.name != "sqlite":
        return
    from flask import has_request_context, request

    writing = not has_request_context() or request.method not in ("GET", "HEAD", "OPTIONS")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("GRANTS_INSTANCE_PATH") or str(ROOT / "instance"),
    )
    app.config.update(config_module.defaults(app.instance_path))
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    config_module.check_production(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    from grants.extensions import babel, csrf, db, limiter, login_manager, migrate
    from grants.platform import errors, jobs, mail, security_headers, templating
    from grants.platform.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(Path(__file__).parent / "translations"))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # sessions are server-side tokens, see grants.platform.sessions

    import grants.platform.sessions  # noqa: F401  (registers the user loader)
    import grants.ranking.aggregates  # noqa: F401  (keeps the stored score aggregates current on every commit)
    from grants import cli
    from grants.platform import web

    web.init_app(app)

    jobs.init_app(app)
    mail.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app
