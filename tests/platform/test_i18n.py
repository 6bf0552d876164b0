import subprocess
import sys

import pytest

from grants import ROOT


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, "zh-Hant"),
        ("fr-FR,de;q=0.8", "zh-Hant"),
        ("zh-TW,zh;q=0.9", "zh-Hant"),
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh-Hans"),
        ("zh-Hans", "zh-Hans"),
        ("en-US,en;q=0.9", "en"),
        ("ja,en;q=0.5", "en"),
    ],
)
def test_accept_language(client, header, expected):
    headers = {"Accept-Language": header} if header else {}
    html = client.get("/", headers=headers).get_data(as_text=True)
    assert f'<html lang="{expected}">' in html


def test_switch_is_remembered(client, auth):
    assert "登入" in client.get("/").get_data(as_text=True)
    response = auth.post("/language", {"lang": "zh_Hans", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html and "登录" in html
    auth.post("/language", {"lang": "en", "next": "https://evil.example/"})
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign in" in html


@pytest.mark.no_database
def test_error_pages_localized(client):
    assert "頁面不存在" in client.get("/no-such-page").get_data(as_text=True)
    assert "not found" in client.get("/no-such-page", headers={"Accept-Language": "en"}).get_data(as_text=True).lower()


def test_catalogs_complete():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "i18n.py"), "check"], capture_output=True, text=True)
    print(result.stdout.splitlines()[-1])
    assert result.returncode == 0, result.stdout[-3000:]


def test_check_refuses_machine_converted_or_traditional_zh_hans(tmp_path, monkeypatch):
    """zh_Hans is written by hand: an entry still marked "auto" by the old converter, or one with
    a Traditional-only character, fails `scripts/i18n.py check`; `update` never fills zh_Hans."""
    import importlib.util

    from babel.messages.catalog import Catalog

    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "TRANSLATIONS", tmp_path)
    (tmp_path / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    catalog = Catalog(locale="zh_Hans")
    catalog.add("Indicator", "指针", user_comments=["auto"])
    catalog.add("Account", "帳號")
    catalog.add("Sign out", "退出登录")
    script.save(catalog, "zh_Hans")
    problems = script.not_simplified()
    assert len(problems) == 2
    assert "Indicator" in problems[0] and "auto" in problems[0]
    assert "Account" in problems[1] and "帳" in problems[1]
    assert "to_hans" not in vars(script) and "OpenCC(\"tw2sp\")" not in (ROOT / "scripts" / "i18n.py").read_text()
