"""Evaluation runner: answer a gold-schema JSONL file and score it, next to a textbook baseline.

``python -m evals run [--questions FILE] [--store DIR] [--report DIR] [--no-baseline] [--limit N]``

Every question goes through :func:`assistant.qa.records.answer_records`, the code path of
``python -m assistant ask --jsonl`` (follow-ups carry their ``history``). The same questions are
also answered by the textbook LangChain pipeline (:class:`Baseline`: 1000-character recursive
splits, dense top-5 from Chroma, answer = the top chunk, never abstains), and both are scored with
the same functions.

Text matching
    Both sides of every comparison go through :func:`match_normalize`: the gold set's own
    :func:`evals.gold_check.normalize` (NFC, lower-case, runs of whitespace and ``|`` collapsed),
    then spaces around dashes (``-`` ``–`` ``—``) and slashes are removed, so ``25-30/63`` matches
    ``25 - 30/63``, and Markdown bold markers (``**``) are dropped, because answers are Markdown and
    ``**Sở Nội vụ** chủ trì`` should match ``Sở Nội vụ chủ trì``. Dash *characters* are not unified.

Quote matching (retrieval and citation support)
    A context or citation supports a gold quote when it contains the whole normalised quote, or —
    because contexts are chunks and a quote can straddle a chunk boundary — when it contains the
    quote's first 60 % of words or its last 60 % of words (``ceil(0.6 * n)`` words; 3 of 5 words for
    the shortest quotes). Comparison questions count any of their ``source_quotes``. The JSON
    report records for each hit whether it was a full or a partial match.

Metrics (``n`` in brackets)
    * ``hit_at_1``, ``hit_at_5``, ``mrr`` — rank of the first context holding the quote
      [answerable questions]; a miss counts 0.
    * ``answer_accuracy`` — the answer is not an abstention, contains every ``must_include`` item
      and one alternative of every ``any_of`` group [answerable].
    * ``answer_accuracy_statement`` — the same, on the answer's statement only: the text before the
      quoted evidence ("Căn cứ:"), so a fact that is only inside a quoted chunk does not count.
      Informational, not gated (the whole answer counts when there is no such block).
    * ``citation_support`` — some ``citations[].text`` holds the quote [answerable, not abstained].
    * ``abstention_accuracy`` — ``abstained`` is true [unanswerable];
      ``false_abstention`` — ``abstained`` is true [answerable].
    * ``confidently_wrong`` — a fact is stated (the answer is neither an abstention nor marked
      ``"confident": false``) and the answer is wrong: not correct [answerable], or any stated answer
      [unanswerable]; over all questions. The failure users trust least.
    * ``latency_p50_ms`` / ``latency_p95_ms`` — from ``latency_ms`` [all questions].

Thresholds in ``evals/thresholds.toml`` (``[min]`` and ``[max]`` tables) gate the run: the
command exits with status 1 and prints the violations (see :func:`check_thresholds`).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.gold_check import normalize

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = ROOT / "evals" / "gold.jsonl"
DEFAULT_REPORT_DIR = ROOT / "evals" / "reports"
DEFAULT_THRESHOLDS = ROOT / "evals" / "thresholds.toml"

#: Share of a quote's words that must match at its start or its end for a partial (boundary) hit.
PARTIAL_SHARE = 0.6
#: The groupings of the report's breakdown tables (question type, document layout, document).
BREAKDOWN_KEYS = ("type", "layout", "source_doc")
#: Ranks that count for hit@k.
HIT_K = (1, 5)
ANSWER_PREVIEW_CHARS = 300

_DASH_SLASH = re.compile(r"\s*([-–—/])\s*")
#: Where the assistant's answer ends and its quoted evidence begins ("**Căn cứ:**" block). Only used
#: for the informational ``answer_accuracy_statement`` metric; without the marker the whole answer counts.
_EVIDENCE_MARKER = re.compile(r"\n\s*\**\s*Căn cứ\s*:?", re.IGNORECASE)
_BOLD = re.compile(r"\*\*")

# ------------------------------------------------------------------------------------------------
# matching
# ------------------------------------------------------------------------------------------------


def match_normalize(text: str | None) -> str:
    """:func:`evals.gold_check.normalize`, plus: no spaces around dashes / slashes, no ``**``."""
    if not text:
        return ""
    text = _BOLD.sub("", text)
    text = normalize(text)
    return _DASH_SLASH.sub(r"\1", text).strip()


def contains(haystack: str | None, needle: str | None) -> bool:
    """``needle`` occurs in ``haystack`` after :func:`match_normalize` of both."""
    n = match_normalize(needle)
    return bool(n) and n in match_normalize(haystack)


def quote_match(text: str | None, quote: str | None, *, partial: bool = True) -> str | None:
    """``"full"`` if ``text`` holds the whole quote, ``"partial"`` if it holds the quote's first or
    last :data:`PARTIAL_SHARE` of words (a quote cut by a chunk boundary), else ``None``."""
    q = match_normalize(quote)
    if not q:
        return None
    t = match_normalize(text)
    if q in t:
        return "full"
    if not partial:
        return None
    words = q.split()
    k = math.ceil(PARTIAL_SHARE * len(words))
    if k >= len(words):
        return None
    head, tail = " ".join(words[:k]), " ".join(words[-k:])
    if head in t or tail in t:
        return "partial"
    return None


def gold_quotes(gold: dict[str, Any]) -> list[str]:
    """The supporting quote(s) of a gold record: ``source_quote`` plus any ``source_quotes``."""
    quotes: list[str] = []
    for q in [gold.get("source_quote"), *(gold.get("source_quotes") or [])]:
        if isinstance(q, str) and q.strip() and q not in quotes:
            quotes.append(q)
    return quotes


def supports(text: str | None, quotes: Sequence[str]) -> str | None:
    """Best match (``"full"`` over ``"partial"``) of any of ``quotes`` in ``text``."""
    best = None
    for q in quotes:
        m = quote_match(text, q)
        if m == "full":
            return m
        best = best or m
    return best


def first_hit_rank(contexts: Sequence[dict[str, Any]], quotes: Sequence[str]) -> tuple[int | None, str | None]:
    """1-based rank of the first context that supports one of ``quotes`` (and the match kind)."""
    for rank, ctx in enumerate(contexts, start=1):
        m = supports(ctx.get("text"), quotes)
        if m:
            return rank, m
    return None, None


def answer_statement(answer: str | None) -> str:
    """The answer without its quoted-evidence block (text before the first "Căn cứ:" line)."""
    return _EVIDENCE_MARKER.split(answer or "", maxsplit=1)[0]


def missing_facts(answer: str | None, gold: dict[str, Any]) -> list[str]:
    """``must_include`` items absent from ``answer``, and ``any_of`` groups with no alternative in it
    (shown as ``"A / B"``). Empty means the answer has every expected fact."""
    norm = match_normalize(answer)
    missing = [m for m in gold.get("must_include") or [] if match_normalize(m) not in norm]
    for group in gold.get("any_of") or []:
        if not any(match_normalize(a) and match_normalize(a) in norm for a in group):
            missing.append(" / ".join(group))
    return missing


# ------------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------------


def score_record(gold: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """Score one system output against its gold record (per-question result row)."""
    answerable = bool(gold.get("answerable", gold.get("type") != "unanswerable"))
    # an answer that only shows passages ("confident": false) states no fact: it counts as an abstention
    unsure = not out.get("abstained") and out.get("confident") is False
    abstained = bool(out.get("abstained")) or unsure
    row: dict[str, Any] = {
        "id": gold.get("id"),
        "type": gold.get("type"),
        "source_doc": gold.get("source_doc"),
        "layout": layout_of(gold.get("source_doc"), gold.get("about_doc")),
        "answerable": answerable,
        "question": gold.get("question"),
        "history": gold.get("history"),
        "expected": list(gold.get("must_include") or []) + [" / ".join(g) for g in gold.get("any_of") or []],
        "answer": out.get("answer") or "",
        "abstained": abstained,
        # False when the answer shows passages without stating a fact; absent (None) = stated
        "confident": out.get("confident"),
        "unsure": unsure,
        "confidence": out.get("confidence"),
        "signals": out.get("signals") or {},
        "latency_ms": out.get("latency_ms"),
        "error": out.get("error"),
        "contexts": [{"chunk_id": c.get("chunk_id"), "doc_id": c.get("doc_id"), "section": c.get("section"),
                      "score": c.get("score")} for c in out.get("contexts") or []],
        "citations": [{"n": c.get("n"), "doc_id": c.get("doc_id"), "section": c.get("section")}
                      for c in out.get("citations") or []],
    }
    if not answerable:
        row.update(rank=None, match=None, hit_at_1=None, hit_at_5=None, rr=None, missing=[], correct=None,
                   correct_statement=None, cited=None, citation_match=None, abstention_correct=abstained, false_abstention=None)
        return row
    quotes = gold_quotes(gold)
    rank, match = first_hit_rank(out.get("contexts") or [], quotes)
    missing = missing_facts(out.get("answer"), gold)
    # informational: an unsure answer whose passages hold the expected facts
    row["unsure_holds_answer"] = unsure and not missing
    cited_match = None
    if not abstained:
        for c in out.get("citations") or []:
            cited_match = supports(c.get("text"), quotes)
            if cited_match:
                break
    row.update(
        rank=rank,
        match=match,
        rr=1.0 / rank if rank else 0.0,
        missing=missing,
        correct=not abstained and not missing,
        correct_statement=not abstained and not missing_facts(answer_statement(out.get("answer")), gold),
        cited=None if abstained else bool(cited_match),
        citation_match=cited_match,
        abstention_correct=None,
        false_abstention=abstained,
    )
    for k in HIT_K:
        row[f"hit_at_{k}"] = bool(rank and rank <= k)
    return row


def _mean(values: Iterable[Any]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..100), as numpy's default; None if empty."""
    vals = sorted(float(v) for v in values if v is not None)
    if not vals:
        return None
    pos = (len(vals) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return vals[lo] + (vals[hi] - vals[lo]) * (pos - lo)


def _confidently_wrong(row: dict[str, Any]) -> bool:
    """A fact was stated (not an abstention, not an answer marked unsure) and it is wrong."""
    if row["abstained"]:
        return False  # includes the answers marked unsure (see score_record)
    return not row["answerable"] or not row["correct"]


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """All metrics over per-question rows from :func:`score_record`."""
    ans = [r for r in rows if r["answerable"]]
    unans = [r for r in rows if not r["answerable"]]
    answered = [r for r in ans if not r["abstained"]]
    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    metrics: dict[str, Any] = {
        "n_questions": len(rows),
        "n_answerable": len(ans),
        "n_unanswerable": len(unans),
        "n_answered": len(answered),
        "answer_accuracy": _mean(r["correct"] for r in ans),
        "answer_accuracy_statement": _mean(r["correct_statement"] for r in ans),
        "citation_support": _mean(r["cited"] for r in answered),
        "abstention_accuracy": _mean(r["abstention_correct"] for r in unans),
        "false_abstention": _mean(r["false_abstention"] for r in ans),
        "confidently_wrong": _mean(_confidently_wrong(r) for r in rows),
        "unsure_rate": _mean(r.get("unsure", False) for r in rows),
        "unsure_holding_answer": sum(1 for r in ans if r.get("unsure_holds_answer")),
        "mrr": _mean(r["rr"] for r in ans),
        "partial_quote_hits": sum(1 for r in ans if r.get("match") == "partial"),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "errors": sum(1 for r in rows if r.get("error")),
    }
    for k in HIT_K:
        metrics[f"hit_at_{k}"] = _mean(r[f"hit_at_{k}"] for r in ans)
    return metrics


class LLMNotConfigured(RuntimeError):
    """``--llm`` was asked for but no LLM is configured."""


def llm_summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How the LLM path went: answers written by the LLM and verified, fallbacks (server trouble vs
    rejected by the verifier), abstentions kept, and sentences the verifier removed."""
    asked = [r for r in rows if r.get("llm_status") in {"answered", "fallback"}]
    answered = [r for r in asked if r["llm_status"] == "answered"]
    fallback = [r for r in asked if r["llm_status"] == "fallback"]
    down = [r for r in fallback if str(r.get("llm_note") or "").startswith("Chưa dùng được")]
    reasons: dict[str, int] = defaultdict(int)
    for r in rows:
        for d in r.get("dropped") or []:
            reason = re.sub(r"“[^”]*”|\[\d+\](?:, \[\d+\])*|\d+ of \d+", "…", str(d.get("reason", "")))
            reasons[reason] += 1
    return {
        "asked": len(asked),
        "answered_verified": len(answered),
        "fallback": len(fallback),
        "fallback_server": len(down),
        "fallback_rejected": len(fallback) - len(down),
        "skipped_abstentions": sum(1 for r in rows if r.get("llm_status") == "skipped"),
        "verified_rate": len(answered) / len(asked) if asked else None,
        "answers_with_dropped_sentences": sum(1 for r in answered if r.get("dropped")),
        "accuracy_when_verified": _mean(r["correct"] for r in answered if r["answerable"]),
        "drop_reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
    }


def breakdown(rows: Sequence[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Per value of ``key`` (``type`` or ``source_doc``): n, accuracy, hit@5 and abstention rate.

    ``abstained`` is the share of the group's questions answered with an abstention: for
    unanswerable questions that is the abstention accuracy, for answerable ones the false
    abstention rate."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[str(r.get(key) or "(none: unanswerable)")].append(r)
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(groups, key=lambda g: (-len(groups[g]), g)):
        g = groups[name]
        ans = [r for r in g if r["answerable"]]
        out[name] = {
            "n": len(g),
            "n_answerable": len(ans),
            "accuracy": _mean(r["correct"] for r in ans),
            "hit_at_5": _mean(r["hit_at_5"] for r in ans),
            "abstained": _mean(r["abstained"] for r in g),
            "confidently_wrong": _mean(_confidently_wrong(r) for r in g),
        }
    return out


#: The kind of document a question is about, read from the file name's document code
#: ("bacninh_kh144_2025.txt", "quang-ngai-534-qd-ubnd-2022.txt"): plans, decisions, directives, ….
_LAYOUTS = (("tin-tuc", "news page"), ("de-an", "scheme (đề án)"), ("kh", "plan (KH)"), ("qd", "decision (QĐ)"),
            ("ct", "directive (CT)"), ("cv", "official letter (CV)"), ("nq", "resolution (NQ)"),
            ("nd", "decree (NĐ)"), ("tt", "circular (TT)"), ("tb", "notice (TB)"), ("cd", "dispatch (CĐ)"))


def layout_of(source_doc: str | None, about_doc: str | None = None) -> str:
    """The document kind of a question's source (``about_doc`` for an unanswerable one)."""
    name = (source_doc or about_doc or "").lower()
    if not name:
        return "(across documents)"
    for code, label in _LAYOUTS:
        if re.search(rf"(?:^|[_\-\d]){code}(?:$|[_\-\d])", name.replace(".txt", "")):
            return label
    return "other"


# ------------------------------------------------------------------------------------------------
# thresholds
# ------------------------------------------------------------------------------------------------


def load_thresholds(path: str | Path = DEFAULT_THRESHOLDS) -> dict[str, dict[str, float]]:
    with Path(path).open("rb") as fh:
        data = tomllib.load(fh)
    return {"min": dict(data.get("min", {})), "max": dict(data.get("max", {}))}


def check_thresholds(metrics: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Violations of ``thresholds`` (``{"min": {metric: lo}, "max": {metric: hi}}``) by ``metrics``.

    A metric named in the thresholds but absent from ``metrics`` is a violation (a typo must not
    pass silently); a metric that is present but ``None`` (no question of that kind in the run,
    e.g. no unanswerable ones) is not measurable and is skipped."""
    violations: list[str] = []
    for bound, cmp, word in (("min", lambda v, t: v < t, "below minimum"),
                             ("max", lambda v, t: v > t, "above maximum")):
        for name, limit in (thresholds.get(bound) or {}).items():
            if name not in metrics:
                violations.append(f"{name}: unknown metric (threshold {bound} {limit})")
                continue
            value = metrics[name]
            if value is None:
                continue
            if cmp(float(value), float(limit)):
                violations.append(f"{name} = {float(value):.3f} is {word} {float(limit):.3f}")
    return violations


# ------------------------------------------------------------------------------------------------
# baseline: the textbook LangChain pipeline
# ------------------------------------------------------------------------------------------------


class Baseline:
    """RecursiveCharacterTextSplitter(1000, 200) over the raw text of each document in ``data_dir``,
    the same embedding model, Chroma (cosine) in a temporary folder, dense ``similarity_search``
    top-``k``; the answer is the top chunk's text, cited as the only citation; it never abstains
    and ignores conversation history. Use as a context manager (the temp folder is removed)."""

    def __init__(self, data_dir: Path, model: str, *, k: int = 5, threads: int = 2,
                 chunk_size: int = 1000, chunk_overlap: int = 200) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant.index.build import discover
        from assistant.index.embeddings import SentenceEmbeddings
        from assistant.ingest.loaders import load_text
        from assistant.ingest.metadata import doc_id_for, load_catalog

        started = time.perf_counter()
        self.k = k
        self._tmp = tempfile.TemporaryDirectory(prefix="cchc-baseline-", ignore_cleanup_errors=True)
        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        catalog = load_catalog(Path(data_dir))
        files, _problems = discover([Path(data_dir)])
        docs = []
        for path in sorted(files):
            text, _data = load_text(path)
            meta = {"doc_id": doc_id_for(path), "title": catalog.get(path.name, {}).get("title") or path.stem,
                    "source": path.name}
            docs += splitter.create_documents([text], metadatas=[meta])
        for i, d in enumerate(docs):
            d.metadata["chunk_id"] = f"{d.metadata['doc_id']}#b{i:04d}"
        client = chromadb.PersistentClient(path=self._tmp.name,
                                           settings=ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(collection_name="baseline", embedding_function=SentenceEmbeddings(model, threads),
                            client=client, collection_metadata={"hnsw:space": "cosine"})
        self.store.add_documents(docs, ids=[d.metadata["chunk_id"] for d in docs])
        self.n_chunks = len(docs)
        self.build_seconds = time.perf_counter() - started

    def answer_record(self, record: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        question = str(record.get("question", ""))
        hits = self.store.similarity_search_with_score(question, k=self.k)
        contexts = [{"chunk_id": d.metadata.get("chunk_id"), "doc_id": d.metadata.get("doc_id"), "section": None,
                     "text": d.page_content, "score": round(1.0 - float(dist), 4)} for d, dist in hits]
        top = hits[0][0] if hits else None
        citations = [] if top is None else [{"n": 1, "chunk_id": top.metadata.get("chunk_id"),
                                             "doc_id": top.metadata.get("doc_id"),
                                             "title": top.metadata.get("title"), "section": None,
                                             "text": top.page_content}]
        return {"id": record.get("id"), "question": question, "answer": top.page_content if top else "",
                "abstained": False, "citations": citations, "contexts": contexts, "error": None,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1)}

    def answer_records(self, records: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        for record in records:
            yield self.answer_record(record)

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> Baseline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------------------------
# running
# ------------------------------------------------------------------------------------------------


def named_documents(record: dict[str, Any]) -> set[str]:
    """The documents a question record is about: its source(s), or ``about_doc`` if unanswerable."""
    return {d for d in [record.get("source_doc"), record.get("about_doc"), *(record.get("source_docs") or [])] if d}


def read_questions(path: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Gold-schema records, read exactly as `python -m assistant ask --jsonl` reads its input."""
    from assistant.qa.records import read_jsonl

    records = read_jsonl(Path(path))
    return records[:limit] if limit else records


@dataclass
class EvalResult:
    metrics: dict[str, dict[str, Any]]           # {"ours": {...}, "baseline": {...}}
    rows: dict[str, list[dict[str, Any]]]        # per-question rows per system
    breakdowns: dict[str, dict[str, dict[str, dict[str, Any]]]]  # system -> key -> group -> values
    thresholds: dict[str, dict[str, float]]
    violations: list[str]
    info: dict[str, Any] = field(default_factory=dict)
    report_md: Path | None = None
    report_json: Path | None = None

    @property
    def table(self) -> str:
        return main_table(self.metrics, self.thresholds)


def _progress(items: Iterable[dict[str, Any]], total: int, desc: str) -> Iterable[dict[str, Any]]:
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return items
    return tqdm(items, total=total, desc=desc, unit="q", file=sys.stderr, disable=not sys.stderr.isatty())


def evaluate(records: Sequence[dict[str, Any]], outputs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [score_record(gold, out) for gold, out in zip(records, outputs, strict=True)]


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_eval(
    *,
    questions: str | Path = DEFAULT_QUESTIONS,
    settings: Any = None,
    report_dir: str | Path | None = DEFAULT_REPORT_DIR,
    baseline: bool = True,
    limit: int | None = None,
    thresholds: dict[str, dict[str, float]] | str | Path | None = DEFAULT_THRESHOLDS,
    log: Callable[[str], None] | None = None,
    llm: bool = False,
) -> EvalResult:
    """Answer ``questions`` with the assistant (and the baseline), score, write the reports.
    ``llm``: also answer through the configured LLM (verified, with fallback) as the system "llm"."""
    from assistant.core.settings import get_settings
    from assistant.index.embeddings import resolve_model_name
    from assistant.qa.pipeline import get_pipeline
    from assistant.qa.records import answer_records

    say = log or (lambda msg: print(msg, file=sys.stderr))
    settings = settings or get_settings()
    records = read_questions(questions, limit)
    if isinstance(thresholds, str | Path):
        thresholds = load_thresholds(thresholds)
    thresholds = thresholds or {"min": {}, "max": {}}
    info: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "questions_file": str(questions),
        "store": str(settings.store),
        "n_questions": len(records),
        "partial_share": PARTIAL_SHARE,
    }

    started = time.perf_counter()
    pipeline = get_pipeline(settings)
    info["pipeline_load_s"] = round(time.perf_counter() - started, 2)
    say(f"pipeline ready in {info['pipeline_load_s']}s; answering {len(records)} questions")
    started = time.perf_counter()
    ours_out = list(_progress(answer_records(pipeline, records), len(records), "ours"))
    info["ours_answer_s"] = round(time.perf_counter() - started, 2)
    rows = {"ours": evaluate(records, ours_out)}

    if llm:
        if not getattr(pipeline, "llm_available", False):
            raise LLMNotConfigured("--llm needs an LLM: set ASSISTANT_LLM_URL (and ASSISTANT_LLM_MODEL) or "
                                   "ASSISTANT_LLM_GGUF")
        started = time.perf_counter()
        llm_out = list(_progress(answer_records(pipeline, records, llm=True), len(records), "llm"))
        info["llm_answer_s"] = round(time.perf_counter() - started, 2)
        rows["llm"] = evaluate(records, llm_out)
        for row, out in zip(rows["llm"], llm_out, strict=True):
            row.update(llm_status=out.get("llm_status"), verified=out.get("verified"), backend=out.get("backend"),
                       dropped=out.get("dropped") or [], llm_note=out.get("llm_note"))
        info["llm"] = llm_summary(rows["llm"])

    if baseline:
        started = time.perf_counter()
        model = resolve_model_name(settings.embedding_model, settings.model_dir)
        with Baseline(settings.data_dir, model, threads=settings.torch_threads) as base:
            info["baseline_build_s"] = round(base.build_seconds, 2)
            info["baseline_chunks"] = base.n_chunks
            say(f"baseline: {base.n_chunks} chunks indexed in {base.build_seconds:.1f}s")
            base_out = list(_progress(base.answer_records(records), len(records), "baseline"))
        info["baseline_total_s"] = round(time.perf_counter() - started, 2)
        rows["baseline"] = evaluate(records, base_out)

    metrics = {name: aggregate(r) for name, r in rows.items()}
    breakdowns = {name: {key: breakdown(r, key) for key in BREAKDOWN_KEYS} for name, r in rows.items()}
    violations = check_thresholds(metrics["ours"], thresholds)
    result = EvalResult(metrics, rows, breakdowns, thresholds, violations, info)
    if report_dir is not None:
        write_reports(result, Path(report_dir))
    return result


# ------------------------------------------------------------------------------------------------
# reports
# ------------------------------------------------------------------------------------------------

#: (metric key, label, kind) in the order of the main table.
MAIN_ROWS: list[tuple[str, str, str]] = [
    ("answer_accuracy", "Answer accuracy (answerable)", "rate"),
    ("answer_accuracy_statement", "… facts in the statement, not only in quoted evidence", "rate"),
    ("citation_support", "Citation support (answered)", "rate"),
    ("abstention_accuracy", "Abstention accuracy (unanswerable)", "rate"),
    ("false_abstention", "False abstention (answerable)", "rate"),
    ("confidently_wrong", "Confidently wrong (all questions)", "rate"),
    ("unsure_rate", "Unsure: passages shown, no fact stated (all)", "rate"),
    ("hit_at_1", "Retrieval hit@1", "rate"),
    ("hit_at_5", "Retrieval hit@5", "rate"),
    ("mrr", "Retrieval MRR", "rate"),
    ("latency_p50_ms", "Latency p50 (ms)", "ms"),
    ("latency_p95_ms", "Latency p95 (ms)", "ms"),
    ("n_questions", "Questions", "int"),
    ("n_answerable", "… answerable", "int"),
    ("n_answered", "… answered (not abstained)", "int"),
    ("n_unanswerable", "… unanswerable", "int"),
]


def _fmt(value: Any, kind: str = "rate") -> str:
    if value is None:
        return "—"
    if kind == "ms":
        return f"{float(value):.0f}"
    if kind == "int":
        return str(int(value))
    return f"{float(value):.3f}"


def _threshold_text(name: str, thresholds: dict[str, dict[str, float]]) -> str:
    parts = []
    if name in (thresholds.get("min") or {}):
        parts.append(f"≥ {thresholds['min'][name]:.2f}")
    if name in (thresholds.get("max") or {}):
        parts.append(f"≤ {thresholds['max'][name]:.2f}")
    return " ".join(parts)


def main_table(metrics: dict[str, dict[str, Any]], thresholds: dict[str, dict[str, float]] | None = None) -> str:
    thresholds = thresholds or {}
    base = metrics.get("baseline")
    llm = metrics.get("llm")  # present with --llm: the LLM path beside the extractive one
    head = "| metric | ours | " + ("ours + LLM | " if llm else "") + "baseline | threshold |"
    lines = [head, "|---|---:|" + ("---:|" if llm else "") + "---:|---|"]
    for key, label, kind in MAIN_ROWS:
        ours_v = metrics["ours"].get(key)
        base_v = base.get(key) if base else None
        llm_cell = f"{_fmt(llm.get(key), kind)} | " if llm else ""
        lines.append(f"| {label} | {_fmt(ours_v, kind)} | {llm_cell}{_fmt(base_v, kind)} | "
                     f"{_threshold_text(key, thresholds)} |")
    return "\n".join(lines)


def _cell(text: Any, limit: int | None = None) -> str:
    s = "" if text is None else str(text)
    if limit is not None and len(s) > limit:
        s = s[:limit] + "…"
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ⏎ ")


def breakdown_table(result: EvalResult, key: str) -> str:
    ours = result.breakdowns["ours"][key]
    base = result.breakdowns.get("baseline", {}).get(key, {})
    lines = [f"| {key} | n | accuracy | hit@5 | abstained | confidently wrong | baseline accuracy | baseline hit@5 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, v in ours.items():
        b = base.get(name, {})
        lines.append(f"| {_cell(name)} | {v['n']} | {_fmt(v['accuracy'])} | {_fmt(v['hit_at_5'])} | "
                     f"{_fmt(v['abstained'])} | {_fmt(v.get('confidently_wrong'))} | {_fmt(b.get('accuracy'))} | "
                     f"{_fmt(b.get('hit_at_5'))} |")
    return "\n".join(lines)


def failures(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answerable questions answered wrongly (or abstained on) and unanswerable ones not abstained on."""
    return [r for r in rows if (r["answerable"] and not r["correct"]) or (not r["answerable"] and not r["abstained"])]


def failures_table(rows: Sequence[dict[str, Any]]) -> str:
    lines = ["| id | type | question | expected must_include | missing | got (first 300 chars) | abstained | "
             "hit rank |", "|---|---|---|---|---|---|---|---:|"]
    for r in failures(rows):
        expected = "; ".join(r["expected"]) if r["answerable"] else "(abstain)"
        question = r["question"] if not r.get("history") else f"{r['question']} (after: {' / '.join(r['history'])})"
        lines.append(f"| {r['id']} | {r['type']} | {_cell(question)} | {_cell(expected)} | "
                     f"{_cell('; '.join(r['missing']))} | {_cell(r['answer'], ANSWER_PREVIEW_CHARS)} | "
                     f"{'yes' if r['abstained'] else 'no'} | {r['rank'] or '—'} |")
    return "\n".join(lines)


def render_markdown(result: EvalResult) -> str:
    info = result.info
    parts = [
        "# Evaluation report — Trợ lý CCHC",
        "",
        f"- generated: {info.get('generated_at')}, commit `{info.get('commit')}`",
        f"- questions: `{info.get('questions_file')}` ({info.get('n_questions')}), store: `{info.get('store')}`",
        f"- ours: pipeline loaded in {info.get('pipeline_load_s')} s, answered in {info.get('ours_answer_s')} s",
    ]
    if "baseline_chunks" in info:
        parts.append(f"- baseline: RecursiveCharacterTextSplitter(1000, 200) → {info['baseline_chunks']} chunks, "
                     f"dense top-5, answer = top chunk; built in {info['baseline_build_s']} s")
    parts += [
        "- matching: NFC, lower-case, whitespace/`|` collapsed, no spaces around `-–—/`, `**` dropped; a "
        f"quote also counts when its first or last {int(PARTIAL_SHARE * 100)}% of words match (chunk boundaries)",
        "",
        "## Main metrics",
        "",
        result.table,
        "",
    ]
    if result.violations:
        parts += ["**Threshold violations (ours):**", ""] + [f"- {v}" for v in result.violations] + [""]
    else:
        parts += ["All thresholds met.", ""]
    parts += [
        "## By question type",
        "",
        "`abstained` = share of the group answered with an abstention (abstention accuracy for "
        "`unanswerable`, false-abstention rate otherwise).",
        "",
        breakdown_table(result, "type"),
        "",
        "## By document layout",
        "",
        breakdown_table(result, "layout"),
        "",
        "## By source document",
        "",
        breakdown_table(result, "source_doc"),
        "",
    ]
    if "llm" in info:
        parts += llm_section(info)
    fails = failures(result.rows["ours"])
    parts += [f"## Failures (ours): {len(fails)}", "", failures_table(result.rows["ours"]), ""]
    return "\n".join(parts)


def llm_section(info: dict[str, Any]) -> list[str]:
    s = info["llm"]
    lines = [
        "## LLM path (`--llm`)",
        "",
        f"Backend answers were checked by the verifier before being shown; answered in {info.get('llm_answer_s')} s.",
        "",
        "| | count |",
        "|---|---:|",
        f"| questions sent to the LLM (extractive answer not an abstention) | {s['asked']} |",
        f"| … LLM answer verified and shown | {s['answered_verified']} ({_fmt(s['verified_rate'])}) |",
        f"| … fell back to the extractive answer: server down/slow | {s['fallback_server']} |",
        f"| … fell back: rejected by the verifier | {s['fallback_rejected']} |",
        f"| abstentions kept (LLM not asked) | {s['skipped_abstentions']} |",
        f"| verified answers from which sentences were removed | {s['answers_with_dropped_sentences']} |",
        f"| accuracy of the verified LLM answers (answerable) | {_fmt(s['accuracy_when_verified'])} |",
        "",
        "Why sentences were removed (all questions):",
        "",
    ]
    lines += [f"- {reason}: {n}" for reason, n in list(s["drop_reasons"].items())[:12]] or ["- (none)"]
    return lines + [""]


def write_reports(result: EvalResult, report_dir: Path) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    result.report_md = report_dir / "report.md"
    result.report_json = report_dir / "report.json"
    result.report_md.write_text(render_markdown(result), encoding="utf-8")
    payload = {
        "info": result.info,
        "metrics": result.metrics,
        "thresholds": result.thresholds,
        "violations": result.violations,
        "breakdowns": result.breakdowns,
        "results": result.rows,
    }
    result.report_json.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# command line
# ------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description="Evaluation suite of Trợ lý CCHC")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="answer a gold-schema JSONL file, score it, write the report")
    run.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="gold-schema JSONL file")
    run.add_argument("--store", type=Path, help="store folder (default: vectorstore/ or $ASSISTANT_STORE)")
    run.add_argument("--report", type=Path, default=DEFAULT_REPORT_DIR,
                     help="folder for report.md and report.json (default: evals/reports/)")
    run.add_argument("--no-baseline", action="store_true", help="skip the textbook LangChain baseline")
    run.add_argument("--limit", type=int, help="only the first N questions")
    run.add_argument("--thresholds", type=Path, default=DEFAULT_THRESHOLDS, help="thresholds TOML file")
    run.add_argument("--llm", action="store_true",
                     help="also answer through the configured LLM (ASSISTANT_LLM_URL or ASSISTANT_LLM_GGUF) and "
                          "report it beside the extractive answers")
    return parser


def main(argv: list[str] | None = None) -> int:
    import logging

    from assistant.core.settings import get_settings

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.questions.is_file():
        print(f"error: no such questions file: {args.questions}", file=sys.stderr)
        return 2
    from assistant.index.store import StoreError
    from assistant.qa.records import RecordError

    try:
        result = run_eval(questions=args.questions, settings=get_settings(store=args.store),
                          report_dir=args.report, baseline=not args.no_baseline, limit=args.limit,
                          thresholds=args.thresholds, llm=args.llm)
    except (StoreError, LLMNotConfigured, RecordError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(result.table)
    print()
    if "llm" in result.info:
        print("\n".join(llm_section(result.info)))
    print(f"report: {result.report_md} and {result.report_json}")
    if result.violations:
        print("THRESHOLD VIOLATIONS:")
        for v in result.violations:
            print(f"  - {v}")
        return 1
    print("all thresholds met")
    return 0
