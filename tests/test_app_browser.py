"""The chat in a real browser: headless Debian Chromium driven by Playwright (``executable_path``; no
``playwright install``). Screenshots go to ``test-artifacts/browser/`` (git-ignored).

``.ci/install-browser.sh`` installs Chromium with apt; when it truly cannot be installed the test skips
and says why.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.core.settings import get_settings
from assistant.web import app as webapp
from assistant.web.feedback import FeedbackStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
QUESTION = "Ai chủ trì cải cách tài chính công ở Lạng Sơn?"
FINAL = "#cchc-chat .cchc-answer:not(.cchc-pending):not(.cchc-streaming)"


def _chromium_or_skip() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("BROWSER TEST SKIPPED: the Python package 'playwright' is not installed "
                    "(pip install -e '.[dev]')")
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        pytest.skip(f"BROWSER TEST SKIPPED: Chromium not found at {CHROMIUM}; run .ci/install-browser.sh "
                    "(apt-get install chromium) to enable it")
    return path


@pytest.fixture(scope="module")
def server(corpus_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from assistant.qa.pipeline import get_pipeline

    from .test_app_api import free_port

    _chromium_or_skip()
    pipeline = get_pipeline(get_settings(store=corpus_store))
    store = FeedbackStore(tmp_path_factory.mktemp("feedback") / "feedback.sqlite3")
    demo = webapp.build_app(pipeline, feedback=store)
    port = free_port()
    webapp.serve(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    yield {"url": f"http://127.0.0.1:{port}/", "store": store}
    demo.close()


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=_chromium_or_skip(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def open_page(browser: Any, url: str, viewport: dict[str, int], external: list[str]) -> Any:
    phone = viewport["width"] < 500
    ctx = browser.new_context(viewport=viewport, locale="vi-VN", is_mobile=phone, has_touch=phone)
    ctx.set_default_timeout(30_000)

    def guard(route: Any) -> None:  # the page must not need the internet
        if route.request.url.startswith(url) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_selector("#cchc-question textarea")
    # record whether the answer is ever shown part-way (streaming) before it is complete
    page.evaluate("""() => { window.__streamed = 0; new MutationObserver(() => {
        if (document.querySelector('#cchc-chat .cchc-streaming')) window.__streamed++; })
        .observe(document.body, {childList: true, subtree: true, characterData: true}); }""")
    return page


def ask(page: Any, question: str, *, press_enter: bool = True) -> None:
    before = page.locator(FINAL).count()
    page.fill("#cchc-question textarea", question)
    if press_enter:
        page.press("#cchc-question textarea", "Enter")
    else:
        page.click("#cchc-send")
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length > n"
        " && !document.querySelector('#cchc-chat .cchc-pending, #cchc-chat .cchc-streaming')", arg=[FINAL, before])
    time.sleep(0.3)


def test_desktop_chat_streams_cites_expands_and_takes_feedback(browser, server):
    external: list[str] = []
    page = open_page(browser, server["url"], DESKTOP, external)
    assert page.title() == "Trợ lý CCHC"
    assert page.get_by_text("Về dữ liệu").first.is_visible()
    assert page.locator("#cchc-chat").get_by_text(webapp.EXAMPLES[0][1]).is_visible()  # example questions
    page.screenshot(path=str(ARTIFACTS / "desktop-start.png"), full_page=True)

    ask(page, QUESTION)
    assert page.evaluate("window.__streamed") > 0, "the answer was not streamed"
    answer = page.locator(FINAL).last
    assert "Sở Tài chính" in answer.inner_text() and "[1]" in answer.inner_text()
    card = answer.locator(".cchc-card").first
    assert "249/KH-UBND" in card.inner_text() and "Lạng Sơn" in card.inner_text()
    assert "Sở Tài chính" in card.locator(".cchc-section").inner_text()  # section path
    assert card.locator("blockquote mark").count() > 0  # supporting words highlighted
    details = card.locator("details.cchc-full")
    assert details.get_attribute("open") is None
    assert not card.locator(".cchc-section-text").is_visible()
    details.locator("summary").click()
    assert details.get_attribute("open") is not None
    section = card.locator(".cchc-section-text")
    assert section.is_visible() and "cải cách tài chính công" in section.inner_text()
    assert section.locator("mark.cchc-quote").count() > 0
    page.screenshot(path=str(ARTIFACTS / "desktop-answer.png"), full_page=True)

    # 👍 on the answer is stored with its question, answer and citations
    before = server["store"].count()
    page.locator("#cchc-chat button[aria-label='Like']").first.click()
    for _ in range(50):
        if server["store"].count() > before:
            break
        time.sleep(0.1)
    row = server["store"].rows()[-1]
    assert row["vote"] == "up" and row["question"] == QUESTION and row["citations"] and row["source"] == "web"
    page.wait_for_selector("#cchc-notice .cchc-notice-info")
    assert "Cảm ơn bạn đã góp ý" in page.locator("#cchc-notice").inner_text()

    # a follow-up is understood from the previous question
    ask(page, "còn Quảng Ngãi thì sao?")
    follow = page.locator(FINAL).last
    assert "Câu hỏi được hiểu là" in follow.inner_text() and "Quảng Ngãi" in follow.inner_text()
    assert "534/QĐ-UBND" in follow.locator(".cchc-card").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "desktop-follow-up.png"), full_page=True)

    # injected HTML in a question is shown as text and never runs
    ask(page, '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> Thời tiết Hà Nội?',
        press_enter=False)
    assert page.evaluate("window.__pwned") is None
    last_user = page.locator("#cchc-chat .cchc-user").last.inner_text()
    assert "<script>" in last_user
    abstained = page.locator(FINAL).last
    assert "Không tìm thấy câu trả lời" in abstained.inner_text()
    page.screenshot(path=str(ARTIFACTS / "desktop-abstention.png"), full_page=True)

    # an empty question gets a message, not an answer
    answers = page.locator(FINAL).count()
    page.fill("#cchc-question textarea", "")
    page.click("#cchc-send")
    page.wait_for_selector("#cchc-notice .cchc-notice")
    assert "Câu hỏi đang trống" in page.locator("#cchc-notice").inner_text()
    assert page.locator(FINAL).count() == answers

    # the province filter narrows the document list and retrieval
    page.click("#cchc-province input")
    page.get_by_role("option", name="Quảng Ngãi").click()
    page.wait_for_function("document.querySelector('#cchc-province input').value === 'Quảng Ngãi'")
    page.keyboard.press("Escape")
    page.click("#cchc-document input")
    page.wait_for_function("document.querySelectorAll('#cchc-document [role=option]').length === 2")
    options = [o.inner_text().replace("✓", "").strip() for o in page.locator("#cchc-document [role=option]").all()]
    assert options == ["Tất cả văn bản", "Quảng Ngãi – Quyết định 534/QĐ-UBND"], options
    page.keyboard.press("Escape")
    ask(page, "Ai chủ trì cải cách tài chính công?")
    filtered = page.locator(FINAL).last
    assert "Chỉ tìm trong: Quảng Ngãi" in filtered.inner_text()
    cards = filtered.locator(".cchc-card")
    assert cards.count() >= 1 and all("534/QĐ-UBND" in cards.nth(i).inner_text() for i in range(cards.count()))
    page.screenshot(path=str(ARTIFACTS / "desktop-filtered.png"), full_page=True)

    # the data panel lists the indexed documents
    page.get_by_role("tab", name="Về dữ liệu").click()
    rows = page.locator(".cchc-doc-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 5 and "249/KH-UBND" in page.locator(".cchc-doc-table").inner_text()
    page.screenshot(path=str(ARTIFACTS / "desktop-about.png"), full_page=True)
    assert external == [], f"the page tried to reach the internet: {external}"
    page.context.close()


def test_phone_width_example_question_and_layout(browser, server):
    external: list[str] = []
    page = open_page(browser, server["url"], PHONE, external)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    box = page.locator("#cchc-send").bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"], "the send button is below the fold"
    page.screenshot(path=str(ARTIFACTS / "phone-start.png"), full_page=True)

    page.locator("#cchc-chat").get_by_text(webapp.EXAMPLES[0][1]).click()  # an example question
    page.wait_for_selector(FINAL)
    page.wait_for_function("!document.querySelector('#cchc-chat .cchc-pending, #cchc-chat .cchc-streaming')")
    time.sleep(0.3)
    answer = page.locator(FINAL).last
    assert "Sở Tài chính" in answer.inner_text() and answer.locator(".cchc-card").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "phone-answer.png"), full_page=False)
    answer.locator("details.cchc-full summary").first.click()
    assert answer.locator(".cchc-section-text").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "phone-answer-expanded.png"), full_page=True)
    page.click("#cchc-new")  # a new conversation brings the examples back
    page.locator("#cchc-chat").get_by_text(webapp.EXAMPLES[1][1]).wait_for()
    assert page.locator("#cchc-chat .cchc-answer").count() == 0
    page.get_by_role("tab", name="Về dữ liệu").click()
    page.locator(".cchc-doc-table tbody tr").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "phone-about.png"), full_page=True)
    assert external == [], f"the page tried to reach the internet: {external}"
    page.context.close()


def test_commitments_tab_filters_shows_sources_compares_and_exports(browser, server):
    external: list[str] = []
    page = open_page(browser, server["url"], DESKTOP, external)
    page.get_by_role("tab", name="Cam kết").click()
    table = page.locator("#cchc-c-table")
    table.locator("[role=gridcell]:visible", has_text="từ 85% trở lên").first.wait_for()
    status = page.locator("#cchc-c-status")
    total = int(status.inner_text().split()[0])
    assert total > 100  # every target of the five plans (the grid renders only the visible rows)

    # the province filter narrows the rows
    page.click("#cchc-c-province input")
    page.get_by_role("option", name="Lạng Sơn").click()
    page.wait_for_function("(n) => parseInt(document.querySelector('#cchc-c-status').innerText) < n", arg=total)
    # the grid re-renders after the status line: wait until its first row is Lạng Sơn's, or a click could
    # land on a row of the unfiltered grid that is about to be replaced
    page.wait_for_function("() => { const c = document.querySelector('#cchc-c-table [data-testid=\"cell-0-0\"]');"
                           " return c && c.innerText.trim() === 'Lạng Sơn'; }")
    assert "Tuyên Quang" not in table.inner_text() and "Lai Châu" not in table.inner_text()

    # a row opens its source passage, with the value marked in the quote
    table.locator("[role=gridcell]:visible", has_text="từ 85% trở lên").first.click()
    source = page.locator("#cchc-c-source .cchc-card")
    source.wait_for()
    assert "249/KH-UBND" in source.inner_text()
    assert "từ 85% trở lên" in source.locator("blockquote mark").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "commitments-table.png"), full_page=True)

    # full-text search without diacritics
    page.fill("#cchc-c-search textarea, #cchc-c-search input", "thanh toan truc tuyen")
    page.press("#cchc-c-search textarea, #cchc-c-search input", "Enter")
    page.wait_for_function("() => document.querySelector('#cchc-c-table').innerText.includes('thanh toán trực tuyến')")

    # the comparison view: one indicator across provinces, as a chart and a table
    compare = page.locator("#cchc-c-compare-table")
    compare.get_by_text("Tuyên Quang").first.wait_for()
    assert "Lạng Sơn" in compare.inner_text() and "từ 86% trở lên" in compare.inner_text()
    assert page.locator("#cchc-c-chart canvas, #cchc-c-chart svg").count() > 0
    page.screenshot(path=str(ARTIFACTS / "commitments-compare.png"), full_page=True)

    # CSV export of what is shown
    with page.expect_download() as download:
        page.locator("#cchc-c-csv").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.startswith("Tỉnh,Chỉ tiêu,Mức") and "thanh toán trực tuyến" in csv_text
    assert external == [], f"the page tried to reach the internet: {external}"
    page.context.close()
