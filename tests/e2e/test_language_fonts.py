"""Each language in its own face: English pages draw “ ” Latin-width (a CJK face first would draw
them full-width), Simplified pages use Noto Sans CJK SC and Traditional pages Noto Sans CJK TC."""

import pytest

MEASURE = """() => {
  const probe = (text, family) => {
    const s = document.createElement("span");
    if (family) { s.style.fontFamily = family; }
    s.textContent = text;
    document.body.appendChild(s);
    const width = s.getBoundingClientRect().width / text.length / parseFloat(getComputedStyle(s).fontSize);
    s.remove();
    return width;
  };
  return {quote: probe("““””““””““", null), family: getComputedStyle(document.body).fontFamily,
          han: probe("漢漢漢漢漢", null), cjkQuote: probe("““””““””““", '"Noto Sans CJK SC"')};
}"""


@pytest.mark.parametrize("locale, html_lang, first_face, latin_quotes", [
    ("en-US", "en", None, True),
    ("zh-CN", "zh-Hans", "Noto Sans CJK SC", False),
    ("zh-TW", "zh-Hant", "Noto Sans CJK TC", False),
])
def test_font_stack_per_language(live_server, browser, locale, html_lang, first_face, latin_quotes):
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        page.goto(live_server + "/login")
        assert page.locator("html").get_attribute("lang") == html_lang
        found = page.evaluate(MEASURE)
        family = found["family"].replace("'", '"')
        if first_face:
            assert family.startswith(f'"{first_face}"'), family
        else:
            assert "CJK" not in family.split(",")[0] and family.index("CJK") > family.index("Arial"), family
        if latin_quotes:  # a Latin face's quotes, narrower than the CJK face's (0.52 em vs 0.65 em here)
            assert found["quote"] < 0.9 * found["cjkQuote"], found
        else:  # Chinese typography: the CJK face's quotes
            assert found["quote"] == pytest.approx(found["cjkQuote"], rel=0.02), found
        assert found["han"] > 0.9, found  # a CJK face is reached for Chinese characters in every language
    finally:
        context.close()
