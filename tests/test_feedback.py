"""The feedback store: SQLite rows, CSV export, thread safety, and ``python -m assistant feedback export``."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import UTC, datetime

import pytest

from assistant.qa.answer import Citation
from assistant.web import feedback
from assistant.web.feedback import FeedbackStore, normalise_vote

CITATIONS = [Citation(n=1, chunk_id="ls:0093", doc_id="lang-son-249-kh-ubnd-2021", title="Kế hoạch CCHC Lạng Sơn",
                      so_hieu="249/KH-UBND", province="Lạng Sơn", section="6. Sở Tài chính › 6.1",
                      text="6.1. Chủ trì tham mưu …", start=10, end=30)]


def test_record_creates_the_folder_and_stores_everything(tmp_path):
    store = FeedbackStore(tmp_path / "nested" / "data" / "feedback.sqlite3")
    ts = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    row = store.record("Ai chủ trì cải cách tài chính công?", "**Sở Tài chính** chủ trì [1].", CITATIONS, True, ts,
                       rewritten_question="Ai chủ trì … ở Lạng Sơn?", province="Lạng Sơn", abstained=False,
                       answer_id="abc", source="web")
    assert row == 1 and store.path.exists()
    [saved] = store.rows()
    assert saved["ts"] == "2025-03-01T08:30:00+00:00" and saved["vote"] == "up"
    assert saved["question"] == "Ai chủ trì cải cách tài chính công?"
    assert saved["answer"].startswith("**Sở Tài chính**")
    assert saved["citations"][0]["so_hieu"] == "249/KH-UBND" and saved["citations"][0]["text"].startswith("6.1.")
    assert saved["province"] == "Lạng Sơn" and saved["abstained"] == 0 and saved["answer_id"] == "abc"
    assert store.count() == 1


def test_timestamp_defaults_to_now_in_utc(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record("q", "a", [], "down")
    ts = datetime.fromisoformat(store.rows()[0]["ts"])
    assert ts.tzinfo is not None and abs((datetime.now(UTC) - ts).total_seconds()) < 60


@pytest.mark.parametrize(("vote", "expected"), [(True, "up"), (False, "down"), ("up", "up"), ("Dislike", "down"),
                                                ("👍", "up"), (-1, "down"), (1, "up")])
def test_votes_are_normalised(vote, expected):
    assert normalise_vote(vote) == expected


def test_an_unknown_vote_is_refused(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    with pytest.raises(ValueError):
        store.record("q", "a", [], "maybe")
    assert store.count() == 0


def test_concurrent_writers_lose_nothing(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(25):
                store.record(f"câu hỏi {worker}-{i}", "trả lời", CITATIONS, i % 2 == 0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.count() == 200
    assert len({r["question"] for r in store.rows()}) == 200


def test_export_csv_round_trips_vietnamese_and_guards_formulas(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    store.record("Ai chủ trì cải cách tài chính công?", "Sở Tài chính [1].", CITATIONS, "up")
    store.record("=HYPERLINK(\"http://x\")", "-1", [], "down")
    out = tmp_path / "exports" / "feedback.csv"
    assert store.export_csv(out) == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read the Vietnamese as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == feedback.COLUMNS
    assert rows[0]["question"] == "Ai chủ trì cải cách tài chính công?" and rows[0]["vote"] == "up"
    assert json.loads(rows[0]["citations"])[0]["doc_id"] == "lang-son-249-kh-ubnd-2021"
    assert rows[1]["question"].startswith("'=") and rows[1]["answer"] == "'-1"


def test_export_of_an_empty_or_missing_database_writes_the_header(tmp_path):
    store = FeedbackStore(tmp_path / "missing.sqlite3")
    buf = io.StringIO()
    assert store.export_csv(buf) == 0
    assert buf.getvalue().strip() == ",".join(feedback.COLUMNS)
    assert not store.path.exists()


def test_module_functions_use_the_configured_database(tmp_path, monkeypatch):
    db = tmp_path / "var" / "fb.sqlite3"
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(db))
    feedback.record("q", "a", CITATIONS, "up")
    assert FeedbackStore(db).count() == 1
    assert feedback.export_csv(tmp_path / "out.csv") == 1


def test_cli_feedback_export(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    db = tmp_path / "fb.sqlite3"
    monkeypatch.setenv("ASSISTANT_FEEDBACK_DB", str(db))
    FeedbackStore(db).record("Lạng Sơn đặt mục tiêu SIPAS bao nhiêu?", "tối thiểu 90% [1]", CITATIONS, "up")
    out = tmp_path / "feedback.csv"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    assert "wrote 1 feedback rows" in capsys.readouterr().err
    assert "Lạng Sơn đặt mục tiêu SIPAS" in out.read_text(encoding="utf-8-sig")
    assert main(["feedback", "export"]) == 0  # to standard output
    printed = capsys.readouterr().out
    assert printed.splitlines()[0] == ",".join(feedback.COLUMNS) and "tối thiểu 90%" in printed
