"""The answer's data: what every answerer returns (:class:`Answer` with its :class:`Citation`\\ s) and
the candidate sentence the extractive answerer scores (:class:`Evidence`).

``Answer.to_dict`` is the stable JSON interface of ``ask --json`` (README "JSON output"): the CLI, the
eval runner, the web app, the commitments-table answerer and the LLM step all build or read it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from assistant.qa.analyse import QueryAnalysis


@dataclass
class Citation:
    """One quoted passage: ``text`` is an exact substring of the cited section, at ``start:end`` of the
    document's canonical text."""

    n: int
    chunk_id: str
    doc_id: str
    title: str
    so_hieu: str
    province: str
    section: str
    text: str
    start: int
    end: int


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    intent: str
    citations: list[Citation] = field(default_factory=list)
    contexts: list[dict[str, Any]] = field(default_factory=list)
    related: list[dict[str, str]] = field(default_factory=list)
    rewritten_question: str | None = None
    #: Coverage of the question by the best evidence (what the abstention threshold is compared with).
    support: float = 0.0
    #: Who wrote the statement: "extractive", or the LLM backend's name (see assistant.qa.llm.generate).
    backend: str = "extractive"
    #: The verifier's verdict on an LLM answer (None when no LLM was asked), and the sentences it removed.
    verified: bool | None = None
    dropped: list[dict[str, str]] = field(default_factory=list)
    #: not_requested | answered | fallback | skipped (abstention: the LLM is not asked)
    llm_status: str = "not_requested"
    #: Shown to the user when the LLM was asked but the extractive answer is shown instead.
    llm_note: str | None = None
    #: A fact is stated (True), or only passages that may answer are shown / nothing was found (False).
    confident: bool = True
    #: The confidence model's probability that the stated fact is right (None: no fact was drafted).
    confidence: float | None = None
    #: What the confidence was computed from (see :mod:`assistant.qa.answer.confidence`).
    signals: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["citations"] = [asdict(c) for c in self.citations]
        return data


@dataclass
class Evidence:
    """A sentence of a retrieved section, scored as the answer to the question (or to one part of it)."""

    doc: Document
    #: The line (paragraph or list item) that holds the sentence, and where it starts in the chunk.
    line: str
    line_start: int
    sentence: str
    #: How well the sentence (with its context) covers the question: what the threshold is compared with.
    coverage: float
    #: The ranking score: coverage plus bonuses (fact found, retrieval rank, date label).
    score: float
    #: The fact that answers ('' when any sentence will do, None when this sentence cannot answer).
    fact: str | None
    #: The label lines of shallower list levels above the line ("- Sở Tài chính chủ trì …:").
    governors: list[str] = field(default_factory=list)
    #: The (part of the) question this evidence answers, when the question asks several things.
    analysis: QueryAnalysis | None = None
    #: The parts of the hand-set score (coverage before the year factor, the year factor, …) that the
    #: learned selector reads (see :mod:`assistant.qa.answer.ranker`).
    parts: dict[str, float] = field(default_factory=dict)


def context_of(doc: Document) -> dict[str, Any]:
    """A retrieved chunk as it appears in an answer's ``contexts``."""
    meta = doc.metadata
    return {"chunk_id": meta.get("chunk_id", doc.id), "doc_id": meta.get("doc_id", ""),
            "section": meta.get("section", ""), "text": doc.page_content, "score": meta.get("score", 0.0)}


def load_model_data(name: str, path: Path | None = None) -> dict[str, Any]:
    """A trained model's JSON: the file at ``path``, or ``data/<name>`` shipped with the package."""
    if path is None:
        text = resources.files("assistant.qa.answer").joinpath("data", name).read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return json.loads(text)
