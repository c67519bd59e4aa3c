"""The sign-in pages load in a real browser, in English and in Arabic, without errors."""

from __future__ import annotations

from tests.browser.conftest import Watched


def test_portal_sign_in_page_in_english_and_arabic(web: Watched, telco: str) -> None:
    web.go("/portal/login")
    assert web.page.locator("html").get_attribute("dir") == "ltr"
    assert web.page.get_by_label("Email address or mobile number").is_visible()
    web.page.get_by_role("link", name="العربية").click()
    assert web.page.locator("html").get_attribute("dir") == "rtl"
    assert web.page.locator("html").get_attribute("lang") == "ar"
    # the skip link is the first thing the keyboard reaches
    web.page.keyboard.press("Tab")
    focused = web.page.evaluate("document.activeElement.className")
    assert focused == "skip"
