"""Keep the zh_Hant, zh_Hans and en catalogs complete.

    python scripts/i18n.py update    extract messages, update the three catalogs and fill en with the
                                     English source; new zh_Hant and zh_Hans entries stay EMPTY
    python scripts/i18n.py compile   compile .po to .mo (make does this before running the app)
    python scripts/i18n.py check     exit 1 if any catalog has a missing or fuzzy translation, a
                                     zh_Hans entry is marked "auto" (machine-converted) or contains a
                                     Traditional-only character, or a refusal code raised in grants/
                                     has no message (or no translation)

zh_Hant and zh_Hans are both written by hand. zh_Hans is never machine-filled from zh_Hant: a
converter gives Taiwan or Hong Kong wording in Simplified characters (指针 for 指標, 注销 for 登出,
预设 for 預設 ...), not what mainland users read. Write mainland usage: 社会组织, 统一社会信用代码,
申报书, 评审专家, 指标, 公示, 立项, 账号, 登录/退出登录, 默认, 文件 ...
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
AUTO = "auto"  # the translator comment the old converter put on machine-filled zh_Hans entries


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str):
    with po_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


def save(catalog, locale: str) -> None:
    with po_path(locale).open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=False, include_previous=False)


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
    save(load("zh_Hans"), "zh_Hans")  # same layout as before (width 100); new entries stay empty
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


def not_simplified(locale: str = "zh_Hans") -> list[str]:
    """zh_Hans entries marked "auto" (machine-converted, never reviewed) or holding a character
    that only Traditional Chinese uses (one OpenCC's t2s would change)."""
    import opencc

    t2s = opencc.OpenCC("t2s")
    out = []
    for message in load(locale):
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if AUTO in message.user_comments:
            out.append(f"{locale}: machine-converted (\"auto\"), review it by hand: {msgid}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text and t2s.convert(text) != text:
                odd = "".join(sorted({a for a, b in zip(text, t2s.convert(text), strict=False) if a != b}))
                out.append(f"{locale}: Traditional characters {odd!r} in: {msgid}")
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
    for line in not_simplified():
        print(line)
        bad += 1
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
