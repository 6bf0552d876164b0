"""``flask --app run ...`` commands: create-admin, seed-demo, audit-verify, backup, restore, assign, sweep-files."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEntry, Role, User, utcnow
from grants.platform import audit, passwords


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
    from grants.demo import seed as demo  # only this command loads the demo data (and its passwords)

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

    from grants.platform import backup as backups

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

    from grants.platform import backup as backups

    cfg = current_app.config
    manifest = backups.restore_backup(
        archive, cfg["SQLALCHEMY_DATABASE_URI"], {"uploads": cfg["UPLOAD_FOLDER"], "pdfs": cfg["PDF_FOLDER"]}
    )
    click.echo(f"restored database + {len(manifest['files'])} files from {archive}")


@click.command("assign")
@click.option("--round", "edition", type=int, required=True, help="The round's edition number, e.g. 8.")
@click.option("--category", default=None, help="Only this category (its name, e.g. 兒童關愛).")
@click.option("--k", type=int, default=None, help="Reviewers per proposal (default: the round's setting).")
@click.option("--max-load", type=int, default=None, help="Maximum proposals per reviewer (default: computed).")
@click.option("--from-scratch", is_flag=True, help="Re-plan everything (submitted reviews are still kept).")
@click.option("--dry-run", is_flag=True, help="Print the plan without saving it.")
@click.option("--lang", type=click.Choice(["zh_Hant", "zh_Hans", "en"]), default="zh_Hant")
@with_appcontext
def assign(edition, category, k, max_load, from_scratch, dry_run, lang) -> None:
    """Automatic reviewer assignment for a round (the same operation as the admin page)."""
    from flask_babel import force_locale

    from grants.assignment import operations as ops
    from grants.models import Category, Round

    rnd = db.session.scalar(select(Round).where(Round.edition == edition))
    if rnd is None:
        raise click.ClickException(f"no round with edition {edition}")
    category_id = None
    if category:
        category_id = db.session.scalar(select(Category.id).where(Category.round_id == rnd.id,
                                                                  Category.name == category.strip()))
        if category_id is None:
            names = ", ".join(c.name for c in rnd.categories)
            raise click.ClickException(f"no category {category!r} in round {edition} (categories: {names})")
    options = {"category_id": category_id, "k": k, "max_load": max_load, "incremental": not from_scratch}
    with force_locale(lang):
        plan, s = ops.preview(rnd, lang=lang, **options)
    click.echo(ops.format_summary(s, lang))
    if not s["ok"]:
        raise click.ClickException({"en": "no feasible assignment; nothing changed",
                                    "zh_Hans": "没有可行的分配方案，未作任何更改"}.get(lang, "沒有可行的分配方案，未作任何更改"))
    if dry_run:
        click.echo({"en": "Dry run: nothing saved.", "zh_Hans": "试运行：未保存。"}.get(lang, "試運行：未保存。"))
        return
    with force_locale(lang):
        try:
            ops.apply(rnd, expected_fingerprint=s["fingerprint"], **options)
        except ops.AssignmentRefused as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo({"en": "Saved.", "zh_Hans": "已保存。"}.get(lang, "已保存。"))


@click.command("sweep-files")
@click.option("--grace-minutes", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help="Only files older than this are removed (must exceed the slowest upload request).")
@click.option("--dry-run", is_flag=True, help="List the orphan files without removing them.")
@with_appcontext
def sweep_files(grace_minutes: float, dry_run: bool) -> None:
    """Remove uploaded files that no attachment or objection refers to (left by interrupted uploads)."""
    from flask import current_app

    from grants.platform.maintenance import sweep_orphan_files

    removed = sweep_orphan_files(current_app._get_current_object(), grace_minutes * 60, dry_run=dry_run)
    for name in removed:
        click.echo(("would remove " if dry_run else "removed ") + name)
    click.echo(f"{len(removed)} orphan file(s) {'found (dry run: nothing removed)' if dry_run else 'removed'}.")


def init_app(app) -> None:
    for command in (create_admin, seed_demo, audit_verify, backup, restore, assign, sweep_files):
        app.cli.add_command(command)
