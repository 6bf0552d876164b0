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
    from flask_babel import gettext as _

    from grants.assignment import operations as ops
    from grants.models import Category, Round
    from grants.platform import refusals
    from grants.rules.refusal import Refusal

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
    with force_locale(lang):  # the output's language: gettext and refusals render in it, no request needed
        plan, s = ops.preview(rnd, **options)
        click.echo(assign_summary(s))
        if not s["ok"]:
            raise click.ClickException(_("No assignment satisfies every rule; nothing was changed."))
        if dry_run:
            click.echo(_("Dry run: nothing saved."))
            return
        try:
            ops.apply(rnd, expected_fingerprint=s["fingerprint"], **options)
        except Refusal as exc:
            db.session.rollback()
            raise click.ClickException("\n".join(refusals.messages(exc))) from exc
        db.session.commit()
        click.echo(_("Saved."))


def assign_summary(s: dict) -> str:
    """The automatic assignment's summary (grants.assignment.auto.summary) as plain text, in the
    current locale (the caller forces it)."""
    from flask_babel import gettext as _

    from grants.platform import refusals

    lines = [_("%(proposals)s proposals, %(reviewers)s reviewers, %(k)s per proposal, max load %(max_load)s "
               "(default %(default)s)", proposals=s["proposals"], reviewers=s["reviewers"], k=s["k"],
               max_load=s["max_load"], default=s["default_max_load"])]
    if not s["ok"]:
        lines.append(_("No feasible assignment:"))
        lines += [f"  - {refusals.message(p)}" for p in s["problems"]]
    else:
        lines.append(_("%(new)s new, %(kept)s kept, %(removed)s removed; total affinity %(objective)s, expertise "
                       "match %(share)s", new=s["new"], kept=s["kept"], removed=s["removed"],
                       objective=s["objective"], share=f"{s['expertise_share']:.0%}"))
        if s["kept_conflicted"]:
            lines.append(_("Kept because the review was submitted (now conflicted): %(list)s",
                           list="; ".join(s["kept_conflicted"])))
        lines.append(_("Loads:"))
        lines += [f"  {x['name']:<12} {x['load']:>4}  (+{x['new']})  ≤ {x['max_load']}" for x in s["loads"]]
    lines.append(_("build %(build)s s, solve %(solve)s s", build=f"{s['build_seconds']:.2f}",
                   solve=f"{s['solve_seconds']:.2f}"))
    return "\n".join(lines)


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
