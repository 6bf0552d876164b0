"""The schema comes only from the migrations: their head must match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from grants.extensions import db
from grants.models import Base


def test_migrations_head_matches_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; run 'flask --app run db migrate': {diff}"


def test_single_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from grants import ROOT

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "grants" / "migrations"))
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1
