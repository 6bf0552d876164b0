"""Keep the zh_Hant, zh_Hans and en catalogs complete.

    python scripts/i18n.py update    extract messages, update the three catalogs, fill en with the
                                     English source and zh_Hans from zh_Hant (OpenCC tw2sp, marked
                                     "auto" so a hand translation is never overwritten)
    python scripts/i18n.py compile   compile .po to .mo (make does this before running the app)
    python scripts/i18n.py check     exit 1 if any catalog has a missing or fuzzy translation, or a
                                     refusal code raised in grants/ has no message (or no translation)

zh_Hant is written by hand; zh_Hans entries with the translator comment "auto" are regenerated
from it on every update; remove the comment to keep a hand-written Simplified translation.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "grants" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh_Hant", "zh_Hans", "en")
AUTO = "auto"
# Mainland wording that OpenCC's phrase table does not give.
# tw2sp turns 檔案/文件 into 文档 (mainland UI says 文件) and 登出 into 注销 (which reads as "cancel the
# account" to mainland users; they say 退出登录). Caveat: tw2sp also gives 注销 for 註銷 (e.g. an NGO's
# 註銷登記); should such a message appear, drop its "auto" comment and write the zh_Hans by hand.
HANS_FIXES = {"帐号": "账号", "预设": "默认", "登入": "登录", "文档": "文件", "注销": "退出登录"}


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str):
    with po_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


def save(catalog, locale: str) -> None:
    with po_path(locale).open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=False, include_previous=False)


def to_hans(text: str) -> str:
    import opencc

    converter = to_hans.__dict__.setdefault("c", opencc.OpenCC("tw2sp"))
    out = converter.convert(text)
    for old, new in HANS_FIXES.items():
        out = out.replace(old, new)
    return out


def update() -> None:
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "_l", "-k", "lazy_gettext", "-k", "_ln:1,2", "--no-location", "--sort-output",
         "-o", str(POT), str(ROOT / "grants"), str(ROOT / "templates")],
        check=True, cwd=ROOT,
    )
    for locale in LOCALES:
        cmd = "update" if po_path(locale).exists() else "init"
        args = [sys.executable, "-m", "babel.messages.frontend", cmd, "-i", str(POT), "-d", str(TRANSLATIONS),
                "-l", locale, "--no-wrap"]
        if cmd == "update":
            args += ["--no-fuzzy-matching", "--ignore-obsolete"]
        subprocess.run(args, check=True, cwd=ROOT)
    hant = load("zh_Hant")
    hans = load("zh_Hans")
    for message in hans:
        if not message.id:
            continue
        source = hant.get(message.id)
        if source is None or not source.string or (isinstance(source.string, tuple) and not all(source.string)):
            continue
        if not message.string or (isinstance(message.string, tuple) and not all(message.string)) or AUTO in message.user_comments:
            message.string = tuple(to_hans(s) for s in source.string) if isinstance(source.string, tuple) else to_hans(source.string)
            message.user_comments = [AUTO]
            message.flags.discard("fuzzy")
    save(hans, "zh_Hans")
    en = load("en")
    for message in en:
        if message.id and (not message.string or (isinstance(message.string, tuple) and not all(message.string))):
            message.string = message.id
    save(en, "en")


def compile_() -> None:
    for locale in LOCALES:
        catalog = load(locale)
        with po_path(locale).with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog)


def missing(locale: str) -> list[str]:
    out = []
    for message in load(locale):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def extracted_ids() -> set[str]:
    """The msgids the code and templates use now (extracted to a temporary template)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "now.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
             "-k", "_l", "-k", "lazy_gettext", "-k", "_ln:1,2", "--no-location",
             "-o", str(pot), str(ROOT / "grants"), str(ROOT / "templates")],
            check=True, cwd=ROOT, capture_output=True,
        )
        with pot.open("rb") as fh:
            return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def raised_refusal_codes() -> dict[str, str]:
    """Every refusal code written literally in grants/: ``Refusal("code", ...)`` and
    ``Problem(field, "code", ...)``, with where it is raised (file:line)."""
    import ast

    found: dict[str, str] = {}
    for path in sorted((ROOT / "grants").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            position = {"Refusal": 0, "Problem": 1}.get(name)
            if position is None:
                continue
            args = [*node.args, *(k.value for k in node.keywords if k.arg == "code")]
            code = args[position] if len(node.args) > position else next(
                (k.value for k in node.keywords if k.arg == "code"), None)
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                found.setdefault(code.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def refusal_gaps() -> list[str]:
    """Codes raised without a message in grants.platform.refusals.MESSAGES, and messages whose
    msgid a catalog does not translate."""
    sys.path.insert(0, str(ROOT))
    from grants.platform.refusals import MESSAGES

    out = [f"refusal code without a message in grants/platform/refusals.py: {code} ({where})"
           for code, where in sorted(raised_refusal_codes().items()) if code not in MESSAGES]
    for locale in LOCALES:
        catalog = load(locale)
        for code, lazy in MESSAGES.items():
            msgid = lazy._args[0] if hasattr(lazy, "_args") else str(lazy)
            message = catalog.get(msgid)
            if message is None or not message.string or message.fuzzy:
                out.append(f"{locale}: refusal {code!r} has no translation: {msgid}")
    return out


def check() -> int:
    bad = 0
    for line in refusal_gaps():
        print(line)
        bad += 1
    used = extracted_ids()
    for locale in LOCALES:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in load(locale) if m.id}
        for msgid in sorted(used - known):
            print(f"{locale}: not in the catalog (run 'scripts/i18n.py update'): {msgid}")
        bad += len(used - known)
    for locale in LOCALES:
        gaps = missing(locale)
        for msgid in gaps:
            print(f"{locale}: untranslated: {msgid}")
        bad += len(gaps)
    print(f"{bad} untranslated messages")
    return 1 if bad else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
