"""Steps shared by the journey tests (tests/e2e/test_journey.py): each person acts through the
pages a real user would use, in their own browser context."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.support import Translations
from playwright.sync_api import Page, expect
from pypdf import PdfWriter

from tests.factories import PASSWORD, valid_uscc

NGO_PASSWORD = "Violet-Harbour-Kite-59"  # noqa: S105
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"  # as conftest.py
SUBMISSION_NUMBER = re.compile(r"HZ-\d{4}-\d{2}-\d{4}")
# The budget: 48,000 + 16,000 + 3,000 = 67,000 = requested 60,000 + matching 7,000 (admin share 4.5 %).
BUDGET = [("personnel", "社工補貼", "4000", "12"), ("activities", "小組活動", "800", "20"),
          ("administration", "行政費", "3000", "1")]


TRANSLATIONS = Path(__file__).resolve().parents[2] / "grants" / "translations"


def catalog(locale: str, msgid: str) -> str:
    """What the app shows for ``msgid`` in ``locale`` (zh_Hant, zh_Hans, en): the catalog's
    translation, or the English msgid itself while the string is untranslated."""
    return Translations.load(str(TRANSLATIONS), [locale]).gettext(msgid)


def tiny_pdf(text: str = "") -> bytes:
    """A small valid one-page PDF made with pypdf (an upload the content checks accept)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if text:
        writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Shots:
    """Numbered full-page screenshots of any page (every person's browser) in one folder per test."""

    def __init__(self, node_name: str):
        self.folder = ARTIFACTS / node_name.replace("[", "-").replace("]", "")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, page: Page, name: str) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def new_person(browser, locale: str = "zh-TW"):
    """A separate browser context (own cookies) and page; confirm dialogs (data-confirm) are accepted."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def login(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form button[type=submit]").last.click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def register(page: Page, base: str, *, org_name: str, email: str, n: int, contact: str = "林淑貞") -> None:
    page.goto(base + "/register")
    page.locator("#org_name").fill(org_name)
    page.locator("#uscc").fill(valid_uscc(n))
    page.locator("#org_type").select_option("social_service")
    page.locator("#registered_on").fill("2016-05-20")
    page.locator("#district").select_option("boluo")
    page.locator("#address").fill("惠州市博羅縣羅陽街道蘭花路8號")
    page.locator("#contact_name").fill(contact)
    page.locator("#contact_phone").fill("13902221234")
    page.locator("#email").fill(email)
    page.locator("#password").fill(NGO_PASSWORD)
    page.locator("#confirm").fill(NGO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(base + "/applicant/")


def fill_proposal(page: Page, name: str, *, risks: str = "人員流動：建立骨幹梯隊。") -> None:
    """Start a draft from the dashboard and fill every section, with three budget lines."""
    page.locator("form[action$='/proposals/new'] button").click()
    expect(page.locator("#name")).to_be_visible()
    page.locator("#name").fill(name)
    page.locator("#category_id").select_option(index=1)
    page.locator("input[name=target_groups][value=women]").check()
    page.locator("#beneficiaries").fill("800")
    page.locator("#start_date").fill("2027-03-01")
    page.locator("#end_date").fill("2027-12-31")
    page.locator("#need").fill("蘭花社區外來務工婦女多，缺乏互助平台。")
    page.locator("#objectives").fill("建立婦女互助小組4個。")
    page.locator("#risks").fill(risks)
    page.locator("[name='activities-0-month']").fill("2027-03")
    page.locator("[name='activities-0-activity']").fill("招募組員")
    page.locator("[name='outcomes-0-indicator']").fill("互助小組數")
    page.locator("[name='outcomes-0-target']").fill("4")
    page.locator("[name='team-0-name']").fill("林淑貞")
    page.locator("[name='team-0-role']").fill("項目主管")
    page.locator("button.add-row[data-section=budget_lines]").click()  # a third row, by JavaScript
    for i, (category, item, price, qty) in enumerate(BUDGET):
        page.locator(f"[name='budget_lines-{i}-category']").select_option(category)
        page.locator(f"[name='budget_lines-{i}-item']").fill(item)
        page.locator(f"[name='budget_lines-{i}-unit_price']").fill(price)
        page.locator(f"[name='budget_lines-{i}-quantity']").fill(qty)
    page.locator("#requested").fill("60000")
    page.locator("#matching_funds").fill("7000")


def save_draft(page: Page) -> None:
    page.locator("button[name=action][value=save]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("[name='budget_lines-2-item']")).to_have_value(BUDGET[2][1])


def upload_required(page: Page, tmp_path: Path) -> None:
    """Upload the round's two required documents (fresh pypdf PDFs), then go back to the form."""
    page.locator("button[name=action][value=attachments]").click()  # saves the draft, then opens the page
    for kind in ("registration_certificate", "annual_report"):
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(tiny_pdf(kind))
        page.locator("#kind").select_option(kind)
        page.locator("#file").set_input_files(str(path))
        page.locator("form[enctype] button[type=submit]").click()
        expect(page.locator(".flash-success")).to_be_visible()
    page.locator("a.button[href$='/edit']").click()


def submit(page: Page) -> str:
    """Check and submit, then confirm on the confirmation page."""
    page.locator("button[name=action][value=confirm]").click()
    page.locator("#confirm-submit").click()
    number = page.locator(".submission-number")
    expect(number).to_have_text(SUBMISSION_NUMBER)
    return number.inner_text().strip()


def error_of(page: Page, field_id: str):
    return page.locator(f"#{field_id}").locator("xpath=..").locator(".error")
