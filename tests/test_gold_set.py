"""The hand-made gold set must agree with the corpus, and its checker must catch real mistakes."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evals.gold_check import check_gold, main, normalize  # noqa: E402

GOLD = ROOT / "evals" / "gold.jsonl"
DATA = ROOT / "data"


def _records() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]


def test_gold_set_is_consistent_with_corpus():
    problems = check_gold(GOLD, DATA)
    assert problems == [], "\n".join(problems[:30])


HELDOUT = ROOT / "evals" / "heldout" / "corpus_extra.jsonl"
EXTRA = ROOT.parent / "shared" / "corpus-extra"


@pytest.mark.skipif(not EXTRA.is_dir(), reason=f"the 2025 documents are not at {EXTRA}")
def test_heldout_set_is_consistent_with_its_documents():
    problems = check_gold(HELDOUT, EXTRA, min_questions=90, min_unanswerable=15)
    assert problems == [], "\n".join(problems[:30])


DEV = ROOT / "evals" / "dev" / "corpus_extra_dev.jsonl"


@pytest.mark.skipif(not EXTRA.is_dir(), reason=f"the 2025 documents are not at {EXTRA}")
def test_dev_set_is_consistent_with_its_documents():
    problems = check_gold(DEV, EXTRA, min_questions=60, min_unanswerable=8)
    assert problems == [], "\n".join(problems[:30])


CORPUS_DEV = ROOT.parent / "shared" / "corpus-dev"
SPLITS = {name: ROOT / "evals" / "corpus_dev" / f"{name}.jsonl" for name in ("tune", "check")}


def _documents_of(record: dict) -> set[str]:
    docs = record.get("source_docs") or [record.get("source_doc") or record.get("about_doc")]
    return {d for d in docs if d}


@pytest.mark.skipif(not CORPUS_DEV.is_dir(), reason=f"the development corpus is not at {CORPUS_DEV}")
@pytest.mark.parametrize("split", sorted(SPLITS))
def test_corpus_dev_split_is_consistent_with_its_documents(split):
    problems = check_gold(SPLITS[split], CORPUS_DEV, min_questions=200, min_unanswerable=25)
    assert problems == [], "\n".join(problems[:30])


def test_corpus_dev_splits_are_disjoint_by_document():
    """Tuning on one half must never see a document of the other: each question names its documents
    (``about_doc`` for the unanswerable ones), and no document is in both halves."""
    docs = {}
    for name, path in SPLITS.items():
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert all(_documents_of(r) for r in records), f"{name}: a question names no document"
        docs[name] = set().union(*(_documents_of(r) for r in records))
    assert not docs["tune"] & docs["check"]
    assert len(docs["tune"]) == len(docs["check"]) == 20


def test_gold_set_coverage():
    recs = _records()
    by_type: dict[str, int] = {}
    by_doc: dict[str, int] = {}
    for r in recs:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
        if r["source_doc"]:
            by_doc[r["source_doc"]] = by_doc.get(r["source_doc"], 0) + 1
    assert len(recs) >= 170
    assert by_type.get("unanswerable", 0) >= 25
    assert by_type.get("no_diacritics", 0) >= 12
    assert by_type.get("english", 0) >= 12
    assert by_type.get("informal", 0) >= 10
    for t in ("who_leads", "target", "deadline", "list", "comparison", "definition", "yes_no", "follow_up"):
        assert by_type.get(t, 0) >= 5, t
    for doc in sorted(p.name for p in DATA.glob("*.txt")):
        assert by_doc.get(doc, 0) >= (10 if doc.startswith("binh-thuan") else 15), doc


def test_normalize_joins_hard_wrapped_lines_and_pipes():
    assert normalize("Chỉ số PAR\nINDEX  |  của tỉnh") == "chỉ số par index của tỉnh"
    # NFD input (decomposed diacritics) must match NFC text
    assert normalize(unicodedata.normalize("NFD", "Sở Tài chính")) == normalize("Sở Tài chính")


def test_checker_detects_planted_errors(tmp_path):
    good = next(r for r in _records() if r["answerable"] and r["type"] != "comparison")
    unans = next(r for r in _records() if not r["answerable"])

    bad_quote = dict(
        good, id="bad-quote", source_quote="Sở Tài chính chịu trách nhiệm về toàn bộ kế hoạch năm 2035."
    )
    bad_must = dict(good, id="bad-must", must_include=["đạt từ 99% trở lên"])
    missing = {k: v for k, v in good.items() if k != "answer"}
    missing["id"] = "bad-missing"
    bad_type = dict(good, id="bad-type", type="trivia")
    bad_any = dict(good, id="bad-anyof", any_of=[["Sở Ngoại vụ", "Sở NgV"]])
    bad_unans = dict(unans, id="bad-unanswerable", must_include=["Sở Nội vụ"])
    bad_follow = dict(good, id="bad-follow", type="follow_up")
    bad_follow.pop("history", None)
    bad_doc = dict(good, id="bad-doc", source_doc="khong-co-file-nay.txt")
    dup = dict(good)  # same id as `good`, which is also written

    lines = [
        json.dumps(r, ensure_ascii=False)
        for r in (good, bad_quote, bad_must, missing, bad_type, bad_any, bad_unans, bad_follow, bad_doc, dup)
    ]
    lines.append("{not valid json")
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    problems = check_gold(path, DATA)
    text = "\n".join(problems)

    def flagged(rid: str, needle: str) -> bool:
        return any(f"[{rid}]" in p and needle in p for p in problems)

    assert flagged("bad-quote", "quote not found"), text
    assert flagged("bad-must", "must_include item not found"), text
    assert flagged("bad-missing", "missing required field 'answer'"), text
    assert flagged("bad-type", "type 'trivia'"), text
    assert flagged("bad-anyof", "any_of"), text
    assert flagged("bad-unanswerable", "must_include == []"), text
    assert flagged("bad-follow", "history"), text
    assert flagged("bad-doc", "not found in"), text
    assert flagged(good["id"], "duplicate id"), text
    assert any("invalid JSON" in p for p in problems), text
    assert any("need at least 150" in p for p in problems), text
    assert any("unanswerable questions (need at least 20)" in p for p in problems), text
    # the one good record produces no problem of its own
    assert not any(f"line 1 [{good['id']}]" in p for p in problems), text


def test_checker_rejects_non_nfc_and_escaped_lines(tmp_path):
    good = next(r for r in _records() if r["answerable"])
    nfd = unicodedata.normalize("NFD", json.dumps(dict(good, id="nfd"), ensure_ascii=False))
    escaped = json.dumps(dict(good, id="escaped"), ensure_ascii=True)
    path = tmp_path / "enc.jsonl"
    path.write_text(nfd + "\n" + escaped + "\n", encoding="utf-8")
    problems = check_gold(path, DATA, min_questions=0, min_unanswerable=0)
    assert any("line 1" in p and "NFC" in p for p in problems), problems
    assert any("line 2" in p and "escapes" in p for p in problems), problems


def test_missing_file_is_a_problem(tmp_path):
    assert check_gold(tmp_path / "nope.jsonl", DATA)


def test_cli_exit_codes(tmp_path, capsys):
    assert main(["--gold", str(GOLD), "--data", str(DATA)]) == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n", encoding="utf-8")
    assert main(["--gold", str(bad), "--data", str(DATA)]) == 1
    capsys.readouterr()
