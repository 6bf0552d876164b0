from sqlalchemy import func, select

from grants.demo import seed as demo
from grants.extensions import db
from grants.models import Organization, Role, Round, User
from grants.rules.uscc import problem


def test_create_admin(app, runner):
    result = runner.invoke(args=["create-admin", "--email", "Boss@Fulian.example", "--name", "項目部"],
                           input="A-strong-admin-pass-1\nA-strong-admin-pass-1\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.role == Role.admin and user.email == "boss@fulian.example"
    result = runner.invoke(args=["create-admin", "--email", "x@example.org", "--name", "x"], input="password\npassword\n")
    assert result.exit_code != 0 and "refused" in result.output


def test_seed_demo(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert demo.ADMIN_EMAIL in result.output and demo.ADMIN_PASSWORD in result.output
    with app.app_context():
        rnd = db.session.scalar(select(Round).where(Round.edition == 8))  # editions 1–7 are closed history
        assert rnd.edition == 8 and len(rnd.categories) == 4 and rnd.funding_pool == 2700000
        orgs = db.session.scalars(select(Organization).where(Organization.members.any())).all()
        assert len(orgs) == 12 and all(problem(o.uscc) is None for o in orgs)
        assert len({o.district for o in orgs}) == 7
        assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.reviewer)) == 8
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not added" in again.output


def test_demo_admin_can_log_in(app, runner, auth):
    runner.invoke(args=["seed-demo"])
    response = auth.login(demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")


def test_audit_verify(app, runner):
    runner.invoke(args=["create-admin", "--email", "a@example.org", "--name", "A"],
                  input="A-strong-admin-pass-1\nA-strong-admin-pass-1\n")
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "audit chain ok: 1 entries" in result.output
