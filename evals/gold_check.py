"""Consistency checker for the hand-made gold set ``evals/gold.jsonl``.

The gold set is only useful if every fact it expects is really in the corpus, so this module
checks each line against the documents in ``data/``: the supporting quote(s), every
``must_include`` string and at least one alternative of every ``any_of`` group must occur in the
source document(s) after :func:`normalize` (Unicode NFC, lower-casing, every run of whitespace and
``|`` collapsed to one space; the Quảng Ngãi file is hard-wrapped, so a quote may span a line
break). See ``evals/SCHEMA.md`` for the format.

Standard library only. Run ``python -m evals.gold_check`` from the repository root; it prints
the problems and exits with status 1 if there are any.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

ALLOWED_TYPES = frozenset(
    {
        "who_leads",
        "target",
        "deadline",
        "list",
        "count",
        "comparison",
        "definition",
        "yes_no",
        "follow_up",
        "no_diacritics",
        "english",
        "informal",
        "unanswerable",
    }
)

#: Fields every record must have, with the JSON types allowed for each.
REQUIRED_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "question": (str,),
    "answer": (str,),
    "must_include": (list,),
    "source_doc": (str, type(None)),
    "source_quote": (str, type(None)),
    "section": (str, type(None)),
    "type": (str,),
    "answerable": (bool,),
}
OPTIONAL_FIELDS: dict[str, tuple[type, ...]] = {
    "any_of": (list,),
    "source_docs": (list,),
    "source_quotes": (list,),
    "history": (list,),
    "province": (str, list),
}

MIN_QUESTIONS = 150
MIN_UNANSWERABLE = 20
QUOTE_MIN_WORDS = 5
QUOTE_MAX_WORDS = 40
MUST_INCLUDE_MAX_WORDS = 6

_SPACE_OR_PIPE = re.compile(r"[\s|]+")
_ASCII_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")

DEFAULT_GOLD = Path(__file__).resolve().parent / "gold.jsonl"
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data"


def normalize(text: str) -> str:
    """NFC, lower-case, and collapse every run of whitespace and ``|`` to a single space."""
    text = unicodedata.normalize("NFC", text).lower()
    return _SPACE_OR_PIPE.sub(" ", text).strip()


def _word_count(text: str) -> int:
    return len(normalize(text).split())


class _Corpus:
    """Lazily loaded, normalised documents of ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._cache: dict[str, str | None] = {}

    def get(self, name: str) -> str | None:
        if name not in self._cache:
            path = self.data_dir / name
            if "/" in name or "\\" in name or not path.is_file():
                self._cache[name] = None
            else:
                self._cache[name] = normalize(path.read_text(encoding="utf-8"))
        return self._cache[name]


def _check_record(rec: dict[str, Any], where: str, corpus: _Corpus) -> list[str]:
    problems: list[str] = []

    def bad(msg: str) -> None:
        problems.append(f"{where}: {msg}")

    # --- fields and types -------------------------------------------------------------------
    for name, types in REQUIRED_FIELDS.items():
        if name not in rec:
            bad(f"missing required field '{name}'")
        elif not isinstance(rec[name], types):
            bad(f"field '{name}' has type {type(rec[name]).__name__}")
    for name, types in OPTIONAL_FIELDS.items():
        if name in rec and not isinstance(rec[name], types):
            bad(f"field '{name}' has type {type(rec[name]).__name__}")
    if problems:
        return problems  # the checks below rely on the types

    for name in ("id", "question", "answer"):
        if not rec[name].strip():
            bad(f"field '{name}' is empty")
    qtype = rec["type"]
    if qtype not in ALLOWED_TYPES:
        bad(f"type '{qtype}' is not one of {sorted(ALLOWED_TYPES)}")
    answerable = rec["answerable"]
    if (qtype == "unanswerable") == answerable:
        bad(f"type '{qtype}' does not agree with answerable={answerable}")

    must = rec["must_include"]
    if not all(isinstance(m, str) and m.strip() for m in must):
        bad("must_include must be a list of non-empty strings")
        must = [m for m in must if isinstance(m, str) and m.strip()]
    any_of = rec.get("any_of") or []
    groups_ok = all(
        isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g) for g in any_of
    )
    if not groups_ok:
        bad("any_of must be a list of non-empty lists of non-empty strings")
        any_of = []

    history = rec.get("history")
    if qtype == "follow_up":
        if not history or not all(isinstance(h, str) and h.strip() for h in history):
            bad("follow_up question needs a non-empty 'history' list of previous questions")
    elif history is not None:
        bad("'history' is only for type follow_up")

    province = rec.get("province")
    if isinstance(province, list) and not all(isinstance(p, str) and p for p in province):
        bad("province list must hold non-empty strings")

    # --- unanswerable -----------------------------------------------------------------------
    if not answerable:
        if must:
            bad("unanswerable question must have must_include == []")
        if any_of:
            bad("unanswerable question must not have any_of groups")
        for name in ("source_doc", "source_quote"):
            if rec[name] is not None:
                bad(f"unanswerable question must have {name} = null")
        for name in ("source_docs", "source_quotes"):
            if rec.get(name):
                bad(f"unanswerable question must not have {name}")
        return problems

    # --- answerable: sources ----------------------------------------------------------------
    if not must and not any_of:
        bad("answerable question needs at least one must_include fact or any_of group")
    doc = rec["source_doc"]
    quote = rec["source_quote"]
    if not doc:
        bad("answerable question needs source_doc")
        return problems
    docs: list[str] = [doc]
    if "source_docs" in rec:
        listed = rec["source_docs"]
        if not listed or not all(isinstance(d, str) and d for d in listed):
            bad("source_docs must be a non-empty list of file names")
        elif listed[0] != doc:
            bad(f"source_doc '{doc}' must equal source_docs[0] '{listed[0]}'")
        else:
            docs = list(listed)
    if qtype == "comparison" and len(set(docs)) < 2:
        bad("comparison question needs source_docs naming at least two documents")

    texts: list[str] = []
    for name in docs:
        text = corpus.get(name)
        if text is None:
            bad(f"source document '{name}' not found in {corpus.data_dir}")
        else:
            texts.append(text)
    if len(texts) != len(docs):
        return problems

    def found(s: str, where: list[str] | None = None) -> bool:
        n = normalize(s)
        return bool(n) and any(n in t for t in (texts if where is None else where))

    quotes: list[str] = []
    if not isinstance(quote, str) or not quote.strip():
        bad("answerable question needs source_quote")
    else:
        quotes.append(quote)
    if "source_quotes" in rec:
        listed_q = rec["source_quotes"]
        if not listed_q or not all(isinstance(q, str) and q.strip() for q in listed_q):
            bad("source_quotes must be a non-empty list of strings")
        else:
            if quote is not None and listed_q[0] != quote:
                bad("source_quote must equal source_quotes[0]")
            quotes.extend(listed_q[1:])
    # With one quote per document, quote i must come from source_docs[i]; otherwise from any of them.
    pairwise = len(quotes) == len(docs) > 1
    for i, q in enumerate(quotes):
        n_words = _word_count(q)
        if not QUOTE_MIN_WORDS <= n_words <= QUOTE_MAX_WORDS:
            bad(f"quote has {n_words} words (allowed {QUOTE_MIN_WORDS}-{QUOTE_MAX_WORDS}): {q!r}")
        target_docs = [docs[i]] if pairwise else docs
        if not found(q, [texts[i]] if pairwise else None):
            bad(f"quote not found verbatim in {target_docs}: {q!r}")

    for m in must:
        if _word_count(m) > MUST_INCLUDE_MAX_WORDS:
            bad(f"must_include item longer than {MUST_INCLUDE_MAX_WORDS} words: {m!r}")
        if not found(m):
            bad(f"must_include item not found verbatim in {docs}: {m!r}")
    for group in any_of:
        if not any(found(a) for a in group):
            bad(f"no alternative of any_of group found in {docs}: {group!r}")

    # The reference answer must itself pass the string checks it sets for a system's answer.
    answer = normalize(rec["answer"])
    for m in must:
        if normalize(m) not in answer:
            bad(f"reference answer lacks its must_include fact {m!r}")
    for group in any_of:
        if not any(normalize(a) in answer for a in group):
            bad(f"reference answer contains no alternative of any_of group {group!r}")
    return problems


def check_gold(
    path: str | Path,
    data_dir: str | Path,
    *,
    min_questions: int = MIN_QUESTIONS,
    min_unanswerable: int = MIN_UNANSWERABLE,
) -> list[str]:
    """Return a list of problems in the gold file at ``path`` (empty when it is consistent)."""
    path, data_dir = Path(path), Path(data_dir)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [f"cannot read {path}: {exc}"]
    if not data_dir.is_dir():
        return [f"data directory not found: {data_dir}"]

    corpus = _Corpus(data_dir)
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    n_records = n_unanswerable = 0
    for lineno, line in enumerate(raw.splitlines(), start=1):
        where = f"line {lineno}"
        if not line.strip():
            problems.append(f"{where}: blank line")
            continue
        if unicodedata.normalize("NFC", line) != line:
            problems.append(f"{where}: text is not NFC-normalised")
        if _ASCII_ESCAPE.search(line):
            problems.append(f"{where}: contains \\uXXXX escapes (write with ensure_ascii=False)")
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        n_records += 1
        rid = rec.get("id")
        if isinstance(rid, str) and rid:
            where = f"line {lineno} [{rid}]"
            if rid in seen_ids:
                problems.append(f"{where}: duplicate id (first on line {seen_ids[rid]})")
            else:
                seen_ids[rid] = lineno
        if rec.get("answerable") is False:
            n_unanswerable += 1
        problems.extend(_check_record(rec, where, corpus))

    if n_records < min_questions:
        problems.append(f"only {n_records} questions (need at least {min_questions})")
    if n_unanswerable < min_unanswerable:
        problems.append(f"only {n_unanswerable} unanswerable questions (need at least {min_unanswerable})")
    return problems


def summarize(path: str | Path) -> dict[str, Counter]:
    """Counts of the (parseable) records by type, by source document and by province."""
    by_type: Counter = Counter()
    by_doc: Counter = Counter()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(rec, dict):
            continue
        by_type[rec.get("type")] += 1
        by_doc[rec.get("source_doc") or "(none: unanswerable)"] += 1
    return {"type": by_type, "source_doc": by_doc}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check evals/gold.jsonl against the corpus in data/.")
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD, help="gold JSONL file")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of source documents")
    parser.add_argument("--summary", action="store_true", help="also print counts per type and document")
    args = parser.parse_args(argv)

    problems = check_gold(args.gold, args.data)
    for p in problems:
        print(p)
    if args.summary or not problems:
        counts = summarize(args.gold) if args.gold.is_file() else {}
        for key, counter in counts.items():
            print(f"by {key}:")
            for name, n in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))):
                print(f"  {n:4d}  {name}")
    if problems:
        print(f"{len(problems)} problem(s) in {args.gold}", file=sys.stderr)
        return 1
    print(f"OK: {args.gold} is consistent with {args.data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
