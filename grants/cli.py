"""``flask --app run ...`` commands: create-admin, seed-demo, audit-verify."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from grants import audit, demo, passwords
from grants.extensions import db
from grants.models import AuditEntry, Role, User, utcnow


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
@with_appcontext
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account (there is no default admin)."""
    email = email.strip().lower()
    problem = passwords.policy_problem(password, user_inputs=(email.split("@")[0], name))
    if problem:
        raise click.ClickException(f"password refused: {problem.replace('_', ' ')}")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise click.ClickException(f"{email} already has an account")
    user = User(email=email, name=name, role=Role.admin, password_hash=passwords.hash_password(password),
                password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    audit.record("create_admin", user, actor_id=None)
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has users.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Fill an empty database with a realistic demo round and print the logins."""
    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            click.echo("Database already has data; demo data not added.")
            if db.session.scalar(select(User.id).where(User.email == demo.ADMIN_EMAIL)):
                demo.print_logins(demo.LOGINS, click.echo)
            return
        raise click.ClickException("the database is not empty")
    logins = demo.seed()
    db.session.commit()
    demo.print_logins(logins, click.echo)


@click.command("audit-verify")
@click.option("--expect-head", "anchors", multiple=True,
              help="A head hash recorded earlier (e.g. printed on a published award list) that must still be in the chain.")
@with_appcontext
def audit_verify(anchors: tuple[str, ...]) -> None:
    """Walk the audit log's hash chain, check the anchors, and print the head.

    A changed or deleted entry breaks the chain. Deleting the newest entries leaves a shorter but
    valid chain, so heads recorded outside the database (every published award list prints the
    head at publication; operators can keep the printed head too) are checked as anchors.
    """
    from grants.models import Publication

    hashes = set()
    entries = []
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        hashes.add(entry.hash)
        entries.append(entry)
    ok, broken_id, head = audit.verify_chain(entries)
    if not ok:
        raise click.ClickException(f"audit chain broken at entry {broken_id} ({len(entries)} entries)")
    published = [h for h in db.session.scalars(select(Publication.audit_head)) if h]
    missing = [h for h in (*anchors, *published) if h not in hashes and h != audit.GENESIS]
    if missing:
        raise click.ClickException(f"audit chain is missing {len(missing)} anchored entries (e.g. {missing[0][:16]}…): "
                                   "entries were deleted")
    click.echo(f"audit chain ok: {len(entries)} entries, {len(published) + len(anchors)} anchors, head {head}")


@click.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False))
@with_appcontext
def backup(archive: str) -> None:
    """Back up the database, uploads and PDFs into ARCHIVE (.tar.gz); safe while the app runs."""
    from flask import current_app

    from grants import backup as backups

    cfg = current_app.config
    manifest = backups.create_backup(
        cfg["SQLALCHEMY_DATABASE_URI"], {"uploads": cfg["UPLOAD_FOLDER"], "pdfs": cfg["PDF_FOLDER"]}, archive
    )
    click.echo(f"backup written to {archive}: database + {len(manifest['files'])} files")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore(archive: str) -> None:
    """Restore ARCHIVE into this app's (empty) database and file folders (set DATABASE_URL first)."""
    from flask import current_app

    from grants import backup as backups

    cfg = current_app.config
    manifest = backups.restore_backup(
        archive, cfg["SQLALCHEMY_DATABASE_URI"], {"uploads": cfg["UPLOAD_FOLDER"], "pdfs": cfg["PDF_FOLDER"]}
    )
    click.echo(f"restored database + {len(manifest['files'])} files from {archive}")


def init_app(app) -> None:
    for command in (create_admin, seed_demo, audit_verify, backup, restore):
        app.cli.add_command(command)
