"""Housekeeping for the file store: removing uploaded files that no row refers to.

An upload is written to disk (``grants.platform.uploads.store``: temporary name, fsync, rename) BEFORE
its row is committed, so the database never points at a missing or partial file. The price is
that a request that dies between the two (a crash, a kill, a rollback that could not clean
up) leaves a file nobody refers to. ``sweep_orphan_files`` finds and removes those:

* proposal attachments live in ``UPLOAD_FOLDER`` and are referenced by ``Attachment.stored_name``;
* objection evidence lives in ``UPLOAD_FOLDER/objections`` (``Objection.evidence_stored``);
* ``.tmp-*`` files are uploads that never got renamed.

Only files older than a grace period (default one hour) are removed, so an upload that is
being written right now, whose row is not committed yet, is never touched: the grace must be
longer than the slowest request. Files are listed BEFORE the rows are read, so a row committed
in between keeps its file. Other folders (e.g. a subfolder someone else owns) are left alone.

``flask --app run sweep-files [--grace-minutes N] [--dry-run]`` runs it from the command line.
"""

from __future__ import annotations

import os
import time

from sqlalchemy import select

from grants.extensions import db
from grants.models import Attachment, Objection
from grants.platform.uploads import TMP_PREFIX

DEFAULT_GRACE_SECONDS = 3600.0
OBJECTIONS_SUBFOLDER = "objections"


def _candidates(folder: str, older_than: float) -> list[str]:
    """Regular files (not links, not folders) directly in ``folder`` last changed before ``older_than``."""
    out = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return out
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < older_than:
                out.append(entry.name)
        except FileNotFoundError:  # removed meanwhile
            continue
    return out


def sweep_orphan_files(app, grace_seconds: float = DEFAULT_GRACE_SECONDS, *, dry_run: bool = False) -> list[str]:
    """Remove unreferenced upload files older than ``grace_seconds``; returns their paths
    relative to ``UPLOAD_FOLDER`` (what would be removed, with ``dry_run``)."""
    root = app.config["UPLOAD_FOLDER"]
    evidence = os.path.join(root, OBJECTIONS_SUBFOLDER)
    older_than = time.time() - max(float(grace_seconds), 0.0)
    # list first, read the references second: a row committed in between keeps its file
    files = {root: _candidates(root, older_than), evidence: _candidates(evidence, older_than)}
    with app.app_context():
        referenced = {
            root: set(db.session.scalars(select(Attachment.stored_name))),
            evidence: set(db.session.scalars(select(Objection.evidence_stored).where(
                Objection.evidence_stored.is_not(None)))),
        }
        db.session.remove()
    removed = []
    for folder, names in files.items():
        for name in sorted(names):
            if name in referenced[folder] and not name.startswith(TMP_PREFIX):
                continue
            relative = os.path.relpath(os.path.join(folder, name), root)
            if not dry_run:
                try:
                    os.remove(os.path.join(folder, name))
                except FileNotFoundError:
                    continue
            removed.append(relative)
    if removed:
        app.logger.info("sweep-files: %s %d orphan file(s)", "would remove" if dry_run else "removed", len(removed))
    return removed
