"""Backups: the database and the stored files in one tar.gz, and restoring them elsewhere.

SQLite is copied with SQLite's online backup API, which is safe while the app runs (readers and
writers go on; the copy is a consistent snapshot). PostgreSQL is dumped with ``pg_dump -Fc`` and
restored with ``pg_restore``. Uploaded files and rendered PDFs are added as they are; a
``manifest.json`` lists counts and the SHA-256 of every file so a restore can be checked.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404 - pg_dump/pg_restore with argument lists, no shell
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


def _libpq_url(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def create_backup(database_url: str, folders: dict[str, str], out_path: str | Path) -> dict:
    """Write a backup archive; returns its manifest. ``folders`` maps area name -> directory."""
    url = make_url(database_url)
    out_path = Path(out_path)
    manifest: dict = {"created_at": datetime.now(UTC).isoformat(), "backend": url.get_backend_name(), "files": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if url.get_backend_name() == "sqlite":
            db_file = tmp / "database.sqlite"
            src = sqlite3.connect(url.database)
            dst = sqlite3.connect(db_file)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        elif url.get_backend_name() == "postgresql":
            db_file = tmp / "database.dump"
            subprocess.run(  # nosec B603 B607
                ["pg_dump", "-Fc", "--no-owner", "-f", str(db_file), _libpq_url(url)], check=True, capture_output=True
            )
        else:
            raise ValueError(f"cannot back up {url.get_backend_name()}")
        manifest["database"] = {"name": db_file.name, "sha256": _sha256(db_file)}
        with tarfile.open(out_path, "w:gz") as tar:
            tar.add(db_file, arcname=db_file.name)
            for area, folder in folders.items():
                base = Path(folder)
                if not base.is_dir():
                    continue
                for path in sorted(p for p in base.rglob("*") if p.is_file()):
                    name = f"{area}/{path.relative_to(base).as_posix()}"
                    tar.add(path, arcname=name)
                    manifest["files"][name] = _sha256(path)
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return manifest


def restore_backup(archive: str | Path, database_url: str, folders: dict[str, str]) -> dict:
    """Restore into an EMPTY target database and folders; verifies every file's SHA-256."""
    url = make_url(database_url)
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        tmp = Path(tmp)
        tar.extractall(tmp, filter="data")
        manifest = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
        db_file = tmp / manifest["database"]["name"]
        if _sha256(db_file) != manifest["database"]["sha256"]:
            raise ValueError("the database file in the backup is damaged")
        if url.get_backend_name() == "sqlite":
            if manifest["backend"] != "sqlite":
                raise ValueError("this backup is of a PostgreSQL database; restore it into PostgreSQL")
            target = Path(url.database)
            if target.exists() and target.stat().st_size:
                raise FileExistsError(f"{target} exists; restore into a new database")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db_file, target)
        elif url.get_backend_name() == "postgresql":
            if manifest["backend"] != "postgresql":
                raise ValueError("this backup is of a SQLite database; restore it into SQLite")
            subprocess.run(  # nosec B603 B607
                ["pg_restore", "--no-owner", "--exit-on-error", "-d", _libpq_url(url), str(db_file)],
                check=True, capture_output=True,
            )
        for name, digest in manifest["files"].items():
            area, _, rel = name.partition("/")
            if area not in folders:
                continue
            source = tmp / name
            if _sha256(source) != digest:
                raise ValueError(f"{name} is damaged in the backup")
            target = Path(folders[area]) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
    return manifest
