"""Questions in, answer records out: the JSONL interface of the pipeline (README "JSON output").

``python -m assistant ask --json/--jsonl``, the eval runner and the benchmarks all answer through
:func:`answer_record`, so what they measure is what the command line prints. A record in has ``id`` and
``question`` (optionally ``history``, ``province_filter``, ``doc_id``); a record out has the answer, the
citations, the retrieved contexts, the intent, the LLM verdict and the time it took.

This module imports nothing heavy: the pipeline is passed in (built by the caller with
:func:`assistant.qa.pipeline.get_pipeline`), so a command that never answers stays fast to start.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol


class RecordError(ValueError):
    """A line of a JSONL question file cannot be used; the message names the file and line."""


class Asker(Protocol):
    """What :func:`answer_record` needs of the pipeline (:class:`assistant.qa.pipeline.Pipeline`)."""

    def ask(self, question: str, *, province: str | None = None, doc_id: str | None = None,
            year: int | None = None, history: list[str] | None = None, llm: bool | None = None) -> Any: ...


def answer_record(pipeline: Asker, record: dict[str, Any], llm: bool | None = None) -> dict[str, Any]:
    """One JSONL record in, one answer object out. ``llm``: ask the configured LLM (True), never
    (False), or as configured (None). A question the pipeline refuses (empty, unknown province or
    document) gives an abstaining record with ``error`` set, not an exception."""
    # imported here: importing the pipeline loads the models' libraries
    from assistant.qa.pipeline import QuestionError

    started = time.perf_counter()
    question = str(record.get("question", ""))
    try:
        kwargs = {"llm": llm} if llm is not None else {}
        result = pipeline.ask(question, province=record.get("province_filter"), doc_id=record.get("doc_id"),
                              history=record.get("history"), **kwargs)
        out = result.to_dict()
        error = None
    except QuestionError as exc:
        out = {"answer": str(exc), "abstained": True, "confident": False, "citations": [], "contexts": [],
               "intent": None}
        error = str(exc)
    return {
        "id": record.get("id"),
        "question": question,
        "answer": out["answer"],
        "abstained": out["abstained"],
        # false when the answer only shows passages that may answer (or nothing was found): no fact stated
        "confident": out["confident"],
        "confidence": out.get("confidence"),
        "signals": out.get("signals", {}),
        "citations": out["citations"],
        "contexts": out["contexts"],
        "intent": out.get("intent"),
        "rewritten_question": out.get("rewritten_question"),
        "error": error,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        # who wrote the statement, and the verifier's verdict when an LLM was asked (README "LLM")
        "backend": out.get("backend", "extractive"),
        "verified": out.get("verified"),
        "dropped": out.get("dropped", []),
        "llm_status": out.get("llm_status", "not_requested"),
        "llm_note": out.get("llm_note"),
    }


def answer_records(pipeline: Asker, records: Iterable[dict[str, Any]],
                   llm: bool | None = None) -> Iterator[dict[str, Any]]:
    """:func:`answer_record` for each record, lazily (a caller can print each answer as it comes)."""
    for record in records:
        yield answer_record(pipeline, record, llm)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The question records of a JSONL file (blank lines skipped). Raises :class:`RecordError` for a
    line that is not a JSON object with a ``question``."""
    records = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RecordError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
            if not isinstance(record, dict) or "question" not in record:
                raise RecordError(f"{path}:{lineno}: a record needs a 'question' field")
            records.append(record)
    return records
