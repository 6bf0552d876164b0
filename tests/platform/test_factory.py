import pytest

from grants import create_app
from grants.config import DEV_SECRET_KEY, ConfigError


def test_pages_default_to_traditional_chinese(client):
    """Without a session language or an Accept-Language the app answers in zh_Hant (its default locale)."""
    assert '<html lang="zh-Hant">' in client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize(
    "config, message",
    [
        ({"ENV_NAME": "production", "SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
        ({"ENV_NAME": "production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "DEBUG": True, "SESSION_COOKIE_SECURE": True}, "debug"),
        ({"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "SESSION_COOKIE_SECURE": False}, "SECURE"),
        ({"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "SESSION_COOKIE_SECURE": True}, "PUBLIC_BASE_URL"),
        ({"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "SESSION_COOKIE_SECURE": True,
          "PUBLIC_BASE_URL": "http://127.0.0.1:5000/"}, "PUBLIC_BASE_URL"),
        ({"ENV_NAME": "production", "SECRET_KEY": "k" * 40, "SESSION_COOKIE_SECURE": True,
          "PUBLIC_BASE_URL": "grants.example.org"}, "PUBLIC_BASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(config, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite", **config})


def test_production_starts_with_safe_settings(tmp_path):
    app = create_app({
        "ENV_NAME": "production", "SECRET_KEY": "k" * 40, "SESSION_COOKIE_SECURE": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite", "PUBLIC_BASE_URL": "https://grants.example.org",
    })
    assert not app.debug


def test_production_warns_about_a_loopback_public_address(tmp_path, caplog):
    create_app({
        "ENV_NAME": "production", "SECRET_KEY": "k" * 40, "SESSION_COOKIE_SECURE": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite", "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    })
    assert any("PUBLIC_BASE_URL" in r.getMessage() for r in caplog.records)


def test_environment_configures_database(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite")
    monkeypatch.setenv("GRANTS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://grants.example.org")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_sqlite_pragmas(app):
    from sqlalchemy import text

    from grants.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            assert db.engine.dialect.name == "postgresql"
            return
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
